package io.tributary.benchmarks;

import java.util.Arrays;

/**
 * Latency percentiles of the recorded commands of an open-loop run, from a sorted array.
 *
 * @param system the system measured
 * @param measure what the latency spans
 * @param offered the recorded commands sent
 * @param answered how many of them got their reply or output within the wait
 * @param pauses the JVM's garbage-collection pauses from the first recorded command's due time to
 *     the last answer: they stop the broker and the system alike
 */
record LatencyResult(String system, String measure, int offered, int answered, double p50Millis, double p99Millis,
    double p999Millis, double maxMillis, GcPauses.Summary pauses) {

  /** @param latencyNanos per command, {@code -1} for one not answered; only the recorded window is read */
  static LatencyResult of(String system, String measure, long[] latencyNanos, OpenLoopSchedule schedule,
      GcPauses.Summary pauses) {
    return of(system, measure, Arrays.copyOfRange(latencyNanos, schedule.warmupCommands(), schedule.totalCommands()),
        pauses);
  }

  /** @param recordedNanos the latency of every recorded command, negative where it got no answer */
  static LatencyResult of(String system, String measure, long[] recordedNanos, GcPauses.Summary pauses) {
    long[] answered = Arrays.stream(recordedNanos).filter(latency -> latency >= 0).sorted().toArray();
    int offered = recordedNanos.length;
    if (answered.length == 0) {
      return new LatencyResult(system, measure, offered, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, pauses);
    }
    return new LatencyResult(system, measure, offered, answered.length, millis(answered, 0.50), millis(answered, 0.99),
        millis(answered, 0.999), answered[answered.length - 1] / 1e6, pauses);
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }
}
