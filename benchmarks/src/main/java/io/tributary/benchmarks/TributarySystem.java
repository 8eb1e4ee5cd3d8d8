package io.tributary.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Tributary's runtime, one instance with {@code bench.task-threads} task loops, the way the
 * benchmark configures it: the settings in {@link #runtimeSettings} plus the pass-through client
 * properties of {@link BenchSettings}.
 * It writes an event per accepted command to {@code <run>.events} (the last event of a command
 * tells its acceptance), an outcome per rejected command to {@code <run>.outcomes} (and per
 * acceptance another instance waits for: none here, ADR 0008), and keeps a dedupe entry per command
 * id.
 */
final class TributarySystem implements CommandProcessor {
  private final BenchKafka kafka;
  private final BenchSettings settings;

  TributarySystem(BenchKafka kafka, BenchSettings settings) {
    this.kafka = kafka;
    this.settings = settings;
  }

  @Override
  public String name() {
    return "tributary";
  }

  @Override
  public String group(String run) {
    return run;
  }

  RuntimeSettings runtimeSettings(Path stateDir) {
    return RuntimeSettings.defaults(kafka.bootstrapServers(), stateDir)
        .withPartitions(kafka.partitions())
        .withMaxBatchRecords(settings.maxBatchRecords())
        .withPollTimeout(settings.pollTimeout())
        .withTaskThreads(settings.taskThreads())
        .withStateCacheBytes(settings.stateCacheBytes())
        .withLocalHandoff(settings.localHandoff())
        .withKafkaProperties(kafka.clientProperties());
  }

  /** Starts an instance of the service {@code run}; the caller closes it. */
  TributaryRuntime startRuntime(String run, Path stateDir, MeterRegistry meters) {
    return TributaryRuntime.start(Account.service(run), runtimeSettings(stateDir), meters);
  }

  @Override
  public Running start(String run, Path stateDir) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TributaryRuntime runtime = startRuntime(run, stateDir, meters);
    return new Running() {
      @Override
      public @Nullable Throwable failure() {
        if (runtime.failure() != null) {
          return runtime.failure();
        }
        return runtime.stoppedPartitions().isEmpty() ? null
            : new IllegalStateException("partitions stopped: " + runtime.stoppedPartitions());
      }

      @Override
      public String stats() {
        return TributarySystem.stats(meters);
      }

      @Override
      public void close() {
        runtime.close();
      }
    };
  }

  /** @return the task loop's transactions, batch sizes and times, from the runtime's meters */
  static String stats(MeterRegistry meters) {
    DistributionSummary batches = meters.get("tributary.batch.size").summary();
    Timer commits = meters.get("tributary.commit.latency").timer();
    Timer decisions = meters.get("tributary.decide.time").timer();
    Timer waits = meters.get("tributary.command.wait").timer();
    Timer storeWaits = meters.get("tributary.store.queue.wait").timer();
    Timer transactionWaits = meters.get("tributary.transaction.wait").timer();
    double[] phases = Stream.of("append", "flush", "offsets", "commit")
        .mapToDouble(phase -> meters.get("tributary.transaction.phase").tag("phase", phase).timer()
            .mean(TimeUnit.MILLISECONDS))
        .toArray();
    return String.format(Locale.ROOT,
        "%d transactions, mean batch %.0f commands (max %.0f), mean decisions %.1f ms, mean transaction %.1f ms"
            + " (max %.0f), oldest command's wait mean %.1f ms (max %.0f), %.0f aborted; the loop waited for a full"
            + " store write queue %d times, %.0f ms in all (max %.0f); a transaction's steps, mean ms: sends %.1f,"
            + " acknowledgements %.1f, offsets %.1f, commit %.1f; the loop waited for the transaction in flight with"
            + " decided commands %d times, %.1f ms mean",
        batches.count(), batches.mean(), batches.max(), decisions.mean(TimeUnit.MILLISECONDS),
        commits.mean(TimeUnit.MILLISECONDS), commits.max(TimeUnit.MILLISECONDS), waits.mean(TimeUnit.MILLISECONDS),
        waits.max(TimeUnit.MILLISECONDS), meters.get("tributary.batch.aborted").counter().count(), storeWaits.count(),
        storeWaits.totalTime(TimeUnit.MILLISECONDS), storeWaits.max(TimeUnit.MILLISECONDS), phases[0], phases[1],
        phases[2], phases[3], transactionWaits.count(), transactionWaits.mean(TimeUnit.MILLISECONDS));
  }

  @Override
  public Tally tally(BenchKafka kafka, RunTopics topics) {
    long events = kafka.scan(topics.events(), value -> {});
    long[] rejectedAndFailed = new long[2];
    kafka.scan(topics.outcomes(), value -> {
      OutcomeRecord outcome = parse(value);
      rejectedAndFailed[0] += outcome.hasRejected() ? 1 : 0;
      rejectedAndFailed[1] += outcome.hasFailed() ? 1 : 0;
    });
    return new Tally(events, rejectedAndFailed[0], rejectedAndFailed[1]);
  }

  private static OutcomeRecord parse(byte[] value) {
    try {
      return OutcomeRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("An outcome record does not parse: " + e.getMessage(), e);
    }
  }
}
