package io.tributary.benchmarks;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Detects the end of a throughput run: the moment the system's consumer group has committed, on
 * every partition, the end offset of the pre-loaded commands topic. Both systems commit their
 * input offsets in the same transaction as their output records ({@code sendOffsetsToTransaction}),
 * so when the last offset is committed, the last event is visible to {@code read_committed}
 * readers. The offsets are polled every {@value #POLL_MILLIS} ms, which bounds the error of a run's
 * duration.
 */
final class CompletionWatch {
  private static final long POLL_MILLIS = 20;

  /**
   * How a run went.
   *
   * @param elapsed from the system's start to the last committed command
   * @param firstCommit from the system's start to its first committed command: the start-up cost
   */
  record Completion(Duration elapsed, Duration firstCommit) {
    double commandsPerSecond(long commands) {
      return commands / (elapsed.toNanos() / 1e9);
    }
  }

  private CompletionWatch() {}

  /**
   * @param started {@link System#nanoTime()} just before the system was started
   * @throws IllegalStateException if the system fails or does not finish within {@code timeout}
   */
  static Completion await(BenchKafka kafka, String group, Map<TopicPartition, Long> ends, long started,
      Running system, String label, Duration timeout) throws InterruptedException {
    long total = ends.values().stream().mapToLong(Long::longValue).sum();
    long deadline = started + timeout.toNanos();
    long firstCommit = -1;
    Progress progress = new Progress();
    while (true) {
      Map<TopicPartition, Long> committed = kafka.committedOffsets(group);
      long now = System.nanoTime();
      long done = 0;
      boolean complete = true;
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        long offset = committed.getOrDefault(end.getKey(), 0L);
        done += Math.min(offset, end.getValue());
        complete &= offset >= end.getValue();
      }
      if (done > 0 && firstCommit < 0) {
        firstCommit = now;
      }
      if (complete) {
        return new Completion(Duration.ofNanos(now - started), Duration.ofNanos(firstCommit - started));
      }
      Throwable failure = system.failure();
      if (failure != null) {
        throw new IllegalStateException(label + " failed after " + done + " of " + total + " commands: " + failure,
            failure);
      }
      if (now > deadline) {
        throw new IllegalStateException(label + " committed only " + done + " of " + total + " commands within "
            + timeout + ".");
      }
      if (progress.due()) {
        Progress.print("  %s: %s / %s commands committed, %s cmd/s", label, Progress.count(done),
            Progress.count(total), Progress.count(done / ((now - started) / 1e9)));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }
}
