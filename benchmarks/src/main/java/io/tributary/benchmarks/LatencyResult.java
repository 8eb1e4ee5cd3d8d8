package io.tributary.benchmarks;

import java.util.Arrays;

/**
 * Latency percentiles of the recorded commands of an open-loop run, from a sorted array.
 *
 * @param system the system measured
 * @param measure what the latency spans
 * @param offered the recorded commands sent
 * @param answered how many of them got their reply or output within the wait
 * @param tailInPauses of the answered commands at or above the p99, the share during whose wait
 *     (from due time to answer) a garbage-collection pause ended; NaN if none was answered
 * @param pauses the JVM's garbage-collection pauses from the first recorded command's due time to
 *     the last answer: they stop the system, and the broker too unless it has a JVM of its own
 *     ({@link BenchBroker})
 */
record LatencyResult(String system, String measure, int offered, int answered, double p50Millis, double p99Millis,
    double p999Millis, double maxMillis, double tailInPauses, GcPauses.Summary pauses) {

  /** @param latencyNanos per command, {@code -1} for one not answered; only the recorded window is read */
  static LatencyResult of(String system, String measure, long[] latencyNanos, OpenLoopSchedule schedule, GcPauses gc,
      GcPauses.Summary pauses) {
    int[] recorded = java.util.stream.IntStream.range(schedule.warmupCommands(), schedule.totalCommands()).toArray();
    return of(system, measure, recorded, latencyNanos, schedule, gc, pauses);
  }

  /**
   * @param recorded the indexes of the recorded commands to take
   * @param latencyNanos per command index, negative where it got no answer
   */
  static LatencyResult of(String system, String measure, int[] recorded, long[] latencyNanos,
      OpenLoopSchedule schedule, GcPauses gc, GcPauses.Summary pauses) {
    long[] answered = Arrays.stream(recorded).mapToLong(i -> latencyNanos[i]).filter(latency -> latency >= 0).sorted()
        .toArray();
    int offered = recorded.length;
    if (answered.length == 0) {
      return new LatencyResult(system, measure, offered, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
          pauses);
    }
    long p99 = at(answered, 0.99);
    int tail = 0;
    int tailInPauses = 0;
    for (int i : recorded) {
      if (latencyNanos[i] >= p99) {
        tail++;
        tailInPauses += gc.endedWithin(schedule.due(i), schedule.due(i) + latencyNanos[i]) ? 1 : 0;
      }
    }
    return new LatencyResult(system, measure, offered, answered.length, at(answered, 0.50) / 1e6, p99 / 1e6,
        at(answered, 0.999) / 1e6, answered[answered.length - 1] / 1e6, (double) tailInPauses / tail, pauses);
  }

  private static long at(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)];
  }
}
