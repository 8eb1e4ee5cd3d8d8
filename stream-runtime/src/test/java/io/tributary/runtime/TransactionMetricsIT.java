package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timers that tell where a batch's time goes: its transaction's steps, and the loop's waits for it. */
@WithDevServices
class TransactionMetricsIT {
  private static final int MAX_BATCH = 5;
  /** How long the first transaction is held once the loop's next batch is full. */
  private static final long HOLD_MILLIS = 500;

  @TempDir Path stateDir;

  @Test
  void timesEachStepOfATransactionAndTheLoopsWaitForIt(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AtomicInteger transactions = new AtomicInteger();
    AtomicBoolean heldWhileFull = new AtomicBoolean();
    // the first transaction waits before its offsets until the loop has a full batch decided behind it,
    // and then a while longer
    FaultInjector holdFirst = point -> {
      if (point == FaultPoint.BEFORE_COMMIT && transactions.incrementAndGet() == 1) {
        heldWhileFull.set(RuntimeHarness.spinUntilOpen(meters, harness.service, MAX_BATCH));
        try {
          Thread.sleep(HOLD_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition,
        harness.settings(stateDir).withMaxBatchRecords(MAX_BATCH), meters, Clock.systemUTC(),
        PartitionSnapshots.never(), holdFirst)) {
      List<CompletableFuture<CommandOutcome>> pending = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        pending.add(send(runtime, "m-" + i, deposit("acct-" + (i % 6), 1)));
      }
      for (CompletableFuture<CommandOutcome> outcome : pending) {
        assertThat(await(outcome)).isInstanceOf(CommandOutcome.Accepted.class);
      }
      // the six accounts' committed states, cached by the partitions the loop owns; an entry weighs
      // StateCache.ENTRY_OVERHEAD_BYTES (176) and its id's and state's bytes, a few here
      double cached = meters.get("tributary.state.cache.bytes").tag("service", harness.service).tag("loop", "0")
          .gauge().value();
      assertThat(cached).as("what the state caches weigh").isBetween(6.0 * 176, 6.0 * (176 + 64));
      // each owned partition's store keeps a filter of its command ids, 64 KiB while it holds few
      Gauge filterGauge = meters.get("tributary.store.dedupe.filter.bytes").tag("service", harness.service)
          .tag("loop", "0").gauge();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (filterGauge.value() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10); // built by each store's own thread after open
      }
      double filters = filterGauge.value();
      assertThat(filters).as("the filters of command ids").isPositive();
      assertThat(filters % (64 * 1024)).as("64 KiB each").isZero();
    }

    assertThat(heldWhileFull).as("the loop filled its next batch while the first transaction was held").isTrue();
    long committed = meters.get("tributary.batch.size").tag("service", harness.service).summary().count();
    for (String phase : List.of("append", "flush", "offsets", "commit")) {
      Timer timer = meters.get("tributary.transaction.phase").tag("service", harness.service).tag("phase", phase)
          .timer();
      assertThat(timer.count()).as("committed transactions timed in step %s", phase).isEqualTo(committed);
      assertThat(timer.max(TimeUnit.MILLISECONDS)).as("step %s leaves out the hold before the offsets", phase)
          .isLessThan(HOLD_MILLIS);
    }
    Timer waits = meters.get("tributary.transaction.wait").tag("service", harness.service).timer();
    assertThat(waits.max(TimeUnit.MILLISECONDS)).as("the loop waited, its next batch full, through the hold")
        .isGreaterThanOrEqualTo(HOLD_MILLIS);
  }
}
