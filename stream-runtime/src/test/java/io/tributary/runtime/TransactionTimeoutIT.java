package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitTrue;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction held past its {@code transaction.timeout.ms} is aborted by its coordinator, which
 * fences the producer: the task loop replaces that producer, decides the batch's commands again and
 * goes on, and every command is in the log once. A lane fenced again soon after stops the loop with
 * the reason.
 */
@WithDevServices
class TransactionTimeoutIT {
  private static final int ACCOUNTS = 20;

  @TempDir Path stateDir;
  RuntimeHarness harness;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    harness = new RuntimeHarness(kafka.bootstrapServers());
  }

  @Test
  void aTransactionItsCoordinatorAbortedForItsTimeoutIsDecidedAgainWithANewProducer() throws Exception {
    AtomicBoolean hold = new AtomicBoolean(true);
    CountDownLatch abortedByCoordinator = new CountDownLatch(1);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    RuntimeSettings settings = harness.settings(stateDir, Duration.ofSeconds(2));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
      // the first transaction, its offsets sent, holds until its coordinator has aborted it (it looks
      // for timed-out transactions every 10 s)
      FaultInjector holdPastTimeout = point -> {
        if (point == FaultPoint.OFFSETS_SENT && hold.compareAndSet(true, false)) {
          holdUntilAborted(admin);
          abortedByCoordinator.countDown();
        }
      };
      try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition, settings, meters, Clock.systemUTC(),
          PartitionSnapshots.never(), holdPastTimeout)) {
        awaitTrue("the instance serves every partition",
            () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
        for (int account = 0; account < ACCOUNTS; account++) {
          pending.put("t-" + account, send(runtime, "t-" + account, deposit("account-" + account, 10)));
        }
        for (var entry : pending.entrySet()) {
          CommandOutcome outcome = await(entry.getValue());
          assertThat(outcome).as("outcome of %s", entry.getKey()).isInstanceOf(CommandOutcome.Accepted.class);
          acknowledged.put(entry.getKey(), outcome);
        }
        assertThat(abortedByCoordinator.getCount()).as("the held transaction was aborted by its coordinator").isZero();
        assertThat(meters.get("tributary.batch.aborted").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(runtime.failure()).isNull();

        // the loop goes on with the new producer
        CommandOutcome after = await(send(runtime, "t-after", deposit("account-0", 5)));
        assertThat(after).isInstanceOf(CommandOutcome.Accepted.class);
        acknowledged.put("t-after", after);
      }
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
    assertThat(folded).hasSize(ACCOUNTS);
    assertThat(folded.get("account-0").getDeposits()).isEqualTo(2);
    assertThat(folded.values()).filteredOn(state -> state != folded.get("account-0"))
        .allSatisfy(state -> assertThat(state.getDeposits()).isEqualTo(1));
  }

  @Test
  void aLaneFencedAgainSoonAfterItsReplacementStopsTheLoopAndSaysWhy() throws Exception {
    AtomicInteger transactions = new AtomicInteger();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
      // the lanes take turns: the first transaction and the third (after the first one's redo) run on
      // lane 0, and both hold until their coordinator has aborted them
      FaultInjector holdFirstAndThird = point -> {
        if (point == FaultPoint.OFFSETS_SENT) {
          int transaction = transactions.incrementAndGet();
          if (transaction == 1 || transaction == 3) {
            holdUntilAborted(admin);
          }
        }
      };
      try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition,
          harness.settings(stateDir, Duration.ofSeconds(2)), new SimpleMeterRegistry(), Clock.systemUTC(),
          PartitionSnapshots.never(), holdFirstAndThird)) {
        awaitTrue("the instance serves every partition",
            () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
        assertThat(await(send(runtime, "f-1", deposit("account-1", 10)))).isInstanceOf(CommandOutcome.Accepted.class);
        assertThat(runtime.failure()).as("replaced once, the loop went on").isNull();

        send(runtime, "f-2", deposit("account-2", 10));
        awaitTrue("the task loop stops", () -> runtime.failure() != null);
        assertThat(runtime.failure())
            .hasMessageContaining("could not end its transaction again within 60 s of its replacement")
            .hasMessageContaining("a state directory of its own")
            .hasMessageContaining("transaction.timeout.ms");
      }
    }
  }

  /** Holds the committer until no transaction of this service is ongoing: its coordinator aborted it. */
  private void holdUntilAborted(Admin admin) {
    try {
      awaitTrue("the coordinator aborts the held transaction", () -> !hasOngoingTransaction(admin));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean hasOngoingTransaction(Admin admin) throws Exception {
    return admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
        .anyMatch(txn -> txn.transactionalId().startsWith(harness.service + "-") && txn.state() == TransactionState.ONGOING);
  }
}
