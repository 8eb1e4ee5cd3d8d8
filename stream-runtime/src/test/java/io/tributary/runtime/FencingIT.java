package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A frozen owner whose partitions moved must not append when it wakes up. */
@WithDevServices
class FencingIT {
  @TempDir Path stateDir;

  @Test
  void aFrozenOwnerCannotAppendAfterItsPartitionsMoved(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    CountDownLatch frozen = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    AtomicInteger batches = new AtomicInteger();
    FaultInjector freezeSecondBatch = point -> {
      if (point == FaultPoint.BEFORE_COMMIT && batches.incrementAndGet() == 2) {
        frozen.countDown();
        try {
          thaw.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    // the group evicts a member whose poll thread is stuck past max.poll.interval.ms
    RuntimeSettings frozenSettings = harness.settings(stateDir.resolve("a")).withMaxBatchRecords(10)
        .withKafkaProperties(Map.of("max.poll.interval.ms", "3000", "session.timeout.ms", "6000"));
    SimpleMeterRegistry frozenMeters = new SimpleMeterRegistry();
    Map<String, CommandOutcome> outcomes = new HashMap<>();

    try (TributaryRuntime first = TributaryRuntime.start(harness.definition, frozenSettings, frozenMeters,
        Clock.systemUTC(), PartitionSnapshots.never(), freezeSecondBatch)) {
      outcomes.put("warm-up", await(send(first, "warm-up", deposit("acct-0", 1))));
      Map<String, CompletableFuture<CommandOutcome>> duringFreeze = new LinkedHashMap<>();
      for (int i = 0; i < 40; i++) {
        duringFreeze.put("f-" + i, send(first, "f-" + i, deposit("acct-" + (i % 8), 5)));
      }
      assertThat(frozen.await(30, TimeUnit.SECONDS)).as("the first instance froze").isTrue();

      try (TributaryRuntime second = harness.start(stateDir.resolve("b"))) {
        awaitOwnership(second, RuntimeHarness.PARTITIONS);
        thaw.countDown();
        for (var entry : duringFreeze.entrySet()) {
          outcomes.put(entry.getKey(), await(entry.getValue()));
        }
        for (int i = 0; i < 20; i++) {
          outcomes.put("after-" + i, await(send(second, "after-" + i, deposit("acct-" + (i % 8), 7))));
        }
      }
      assertThat(frozenMeters.get("tributary.batch.aborted").counter().count())
          .as("batches the woken owner had to abort").isGreaterThanOrEqualTo(1);
    }

    // every accepted command's event is in the log once, and each account's sequence has no repeat
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, outcomes);
    assertThat(outcomes.values()).allMatch(CommandOutcome.Accepted.class::isInstance);
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits()).sum()).isEqualTo(outcomes.size());
  }

  private static void awaitOwnership(TributaryRuntime runtime, int partitions) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (runtime.ownedPartitions().size() < partitions) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the second instance did not take the partitions: " + runtime.ownedPartitions());
      }
      Thread.sleep(50);
    }
  }
}
