package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitStopped;
import static io.tributary.runtime.RuntimeHarness.crashAt;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the runtime in the middle of batches, at each point where a crash can lose or double
 * something, then checks the whole log and the recovered state.
 */
@WithDevServices
class CrashRecoveryIT {
  @TempDir Path stateDir;

  @Test
  void survivesCrashesBeforeAndAfterTheCommit(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    RuntimeSettings settings = harness.settings(stateDir).withMaxBatchRecords(15);
    Map<String, AccountCommand> sent = new LinkedHashMap<>();
    for (int i = 0; i < 240; i++) {
      String account = "acct-" + (i % 12);
      sent.put("cmd-" + i, i % 4 == 3 ? withdraw(account, 25) : deposit(account, 10));
    }
    Map<String, CommandOutcome> acknowledged = new HashMap<>();

    // each generation crashes at a different point; the last one runs to the end
    for (FaultInjector faults : new FaultInjector[] {crashAt(FaultPoint.BEFORE_COMMIT, 3),
        crashAt(FaultPoint.AFTER_COMMIT, 2), crashAt(FaultPoint.BEFORE_COMMIT, 2)}) {
      TributaryRuntime crashing = harness.start(settings, faults, PartitionSnapshots.never());
      Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
      sent.forEach((id, command) -> {
        if (!acknowledged.containsKey(id)) {
          pending.put(id, send(crashing, id, command));
        }
      });
      awaitStopped(crashing);
      assertThat(crashing.failure()).isInstanceOf(FaultInjector.SimulatedCrash.class);
      pending.forEach((id, future) -> {
        if (future.isDone() && !future.isCompletedExceptionally()) {
          acknowledged.put(id, future.join());
        }
      });
      crashing.close();
    }

    Map<String, CommandOutcome> finalOutcomes = new HashMap<>();
    try (TributaryRuntime recovered = harness.start(settings, FaultInjector.none(), PartitionSnapshots.never())) {
      for (var entry : sent.entrySet()) {
        finalOutcomes.put(entry.getKey(), await(send(recovered, entry.getKey(), entry.getValue())));
      }
    }

    // an acknowledged outcome never changes: a resend returns it as a duplicate
    acknowledged.forEach((id, outcome) -> assertThat(finalOutcomes.get(id)).as("outcome of %s", id)
        .usingRecursiveComparison().ignoringFields("duplicate").isEqualTo(outcome));
    assertThat(acknowledged).as("commands acknowledged before the last crash").isNotEmpty();
    Map<String, io.tributary.runtime.bank.v1.AccountState> folded =
        LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, finalOutcomes);
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void anAbortedTransactionTakesTheBatchDecidedOnTopOfItWithIt(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AtomicInteger transactions = new AtomicInteger();
    AtomicBoolean decidedOnTop = new AtomicBoolean();
    // the second transaction fails once the loop has decided commands of the next batch on top of it
    FaultInjector failSecondTransaction = point -> {
      if (point == FaultPoint.BEFORE_COMMIT && transactions.incrementAndGet() == 2) {
        decidedOnTop.set(RuntimeHarness.spinUntilOpen(meters, harness.service, 1));
        throw new KafkaException("simulated: the transaction coordinator went away");
      }
    };
    Map<String, CommandOutcome> outcomes = new HashMap<>();
    try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition,
        harness.settings(stateDir).withMaxBatchRecords(10), meters, Clock.systemUTC(), PartitionSnapshots.never(),
        failSecondTransaction)) {
      Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
      for (int i = 0; i < 200; i++) {
        pending.put("p-" + i, send(runtime, "p-" + i, deposit("acct-" + (i % 6), 3)));
      }
      for (var entry : pending.entrySet()) {
        outcomes.put(entry.getKey(), await(entry.getValue()));
      }
      assertThat(meters.get("tributary.batch.aborted").tag("service", harness.service).counter().count())
          .isEqualTo(1);
    }
    assertThat(decidedOnTop).as("commands were decided on top of the failing batch").isTrue();
    assertThat(outcomes.values()).allMatch(CommandOutcome.Accepted.class::isInstance);
    // sequences without gaps and no event twice: nothing decided on top of the aborted batch was appended
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, outcomes);
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits()).sum()).isEqualTo(200);
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void transactionsAbortedInARowAreDecidedAgainUntilOneCommits(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AtomicInteger transactions = new AtomicInteger();
    // the second, third and fourth transactions fail: the loop backs off between them, then commits
    FaultInjector failThreeInARow = point -> {
      int transaction = point == FaultPoint.BEFORE_COMMIT ? transactions.incrementAndGet() : 0;
      if (transaction >= 2 && transaction <= 4) {
        throw new KafkaException("simulated: the transaction coordinator went away, attempt " + transaction);
      }
    };
    Map<String, CommandOutcome> outcomes = new HashMap<>();
    try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition,
        harness.settings(stateDir).withMaxBatchRecords(10), meters, Clock.systemUTC(), PartitionSnapshots.never(),
        failThreeInARow)) {
      Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
      for (int i = 0; i < 50; i++) {
        pending.put("r-" + i, send(runtime, "r-" + i, deposit("acct-" + (i % 6), 2)));
      }
      for (var entry : pending.entrySet()) {
        outcomes.put(entry.getKey(), await(entry.getValue()));
      }
      assertThat(meters.get("tributary.batch.aborted").tag("service", harness.service).counter().count())
          .isEqualTo(3);
    }
    assertThat(outcomes.values()).allMatch(CommandOutcome.Accepted.class::isInstance);
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, outcomes);
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits()).sum()).isEqualTo(50);
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }
}
