package io.tributary.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.ProjectionRunner;
import io.tributary.projection.ProjectionSettings;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * One timed run of a {@link ProjectionRunner} over the pre-loaded events topic, from {@code
 * ProjectionRunner.start} (so group join and the first fetches count) until the sink's position is
 * the last offset of every partition. Completion is first noticed on the runner's {@code
 * tributary.projection.events} counter (events applied by the sink, polled every 10 ms, which costs
 * the sink nothing) and then confirmed by reading the sink's position of every partition.
 */
final class ProjectionThroughput {
  private static final Duration CHECK_INTERVAL = Duration.ofMillis(10);
  private static final Duration RUN_LIMIT = Duration.ofMinutes(20);

  /**
   * @param sink the sink measured
   * @param label warm-up or run number
   * @param events events applied
   * @param elapsed from start to the last position
   */
  record Result(String sink, String label, long events, Duration elapsed) {
    double perSecond() {
      return events / (elapsed.toNanos() / 1e9);
    }
  }

  private final BenchKafka kafka;
  private final ReadSideSettings settings;

  ProjectionThroughput(BenchKafka kafka, ReadSideSettings settings) {
    this.kafka = kafka;
    this.settings = settings;
  }

  /**
   * Runs {@code projection} into {@code sink} over the whole events topic of {@code service}.
   *
   * @param ends the end offset of every partition of the events topic
   * @throws IllegalStateException if the runner stops a partition or ends, or the run takes over 20 minutes
   */
  Result run(String sinkName, String label, ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, Map<TopicPartition, Long> ends) throws InterruptedException {
    long total = ends.values().stream().mapToLong(Long::longValue).sum();
    ProjectionSettings runnerSettings = ProjectionSettings.defaults(kafka.bootstrapServers())
        .withMaxBatchRecords(settings.maxBatchRecords())
        .withParallelism(settings.parallelism())
        .withPollTimeout(ReadSideSettings.POLL_TIMEOUT);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Progress progress = new Progress();
    long started = System.nanoTime();
    try (ProjectionRunner runner = ProjectionRunner.start(service, projection, sink, runnerSettings, meters)) {
      while (true) {
        long applied = (long) meters.get("tributary.projection.events").counter().count();
        if (applied >= total && reached(sink, projection.versionedName(), ends)) {
          break;
        }
        if (!runner.isRunning() || !runner.stoppedPartitions().isEmpty()) {
          throw new IllegalStateException("The " + sinkName + " runner stopped: partitions "
              + runner.stoppedPartitions() + ", failure " + runner.failure());
        }
        if (System.nanoTime() - started > RUN_LIMIT.toNanos()) {
          throw new IllegalStateException("The " + sinkName + " runner applied " + applied + " of " + total
              + " events in " + RUN_LIMIT + "; giving up.");
        }
        if (progress.due()) {
          Progress.print("  %s %s: %s / %s events (%s/s)", sinkName, label, Progress.count(applied),
              Progress.count(total), Progress.count(progress.perSecond(applied)));
        }
        Thread.sleep(CHECK_INTERVAL);
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      long applied = (long) meters.get("tributary.projection.events").counter().count();
      if (applied != total) {
        throw new IllegalStateException("The " + sinkName + " runner gave the sink " + applied + " events; the topic"
            + " holds " + total + ". Each event must be applied once.");
      }
      Result result = new Result(sinkName, label, total, elapsed);
      Progress.print("  %s %s: %s events in %.2f s = %s events/s", sinkName, label, Progress.count(total),
          elapsed.toNanos() / 1e9, Progress.count(result.perSecond()));
      return result;
    }
  }

  private static boolean reached(ViewSink sink, String projection, Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (end.getValue() == 0) {
        continue;
      }
      OptionalLong held = sink.position(projection, end.getKey().partition());
      if (held.isEmpty() || held.getAsLong() < end.getValue() - 1) {
        return false;
      }
    }
    return true;
  }
}
