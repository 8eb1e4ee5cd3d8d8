package io.tributary.benchmarks;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Prints the read-side benchmark's results table. */
final class ReadSideResults {
  private ReadSideResults() {}

  static void print(ReadSideSettings settings, long events, List<ProjectionThroughput.Result> results,
      ViewVisibilityLatency.@Nullable Result latency) {
    Progress.print("== results (%s events over %s accounts, %d partitions, maxBatchRecords %d; %s) ==",
        Progress.count(events), Progress.count(settings.accounts()), settings.partitions(),
        settings.maxBatchRecords(), Runtime.version());
    Progress.print("%-14s %-9s %5s %12s %12s %12s", "sink", "unit", "runs", "median /s", "min /s", "max /s");
    for (String sink : List.of("redis", "elasticsearch")) {
      double[] rates = results.stream().filter(result -> result.sink().equals(sink))
          .mapToDouble(ProjectionThroughput.Result::perSecond).sorted().toArray();
      if (rates.length > 0) {
        Progress.print("%-14s %-9s %5d %12s %12s %12s", sink, sink.equals("redis") ? "events" : "documents",
            rates.length, Progress.count(median(rates)), Progress.count(rates[0]),
            Progress.count(rates[rates.length - 1]));
      }
    }
    if (latency != null) {
      System.out.println();
      Progress.print("one deposit at a time, %d recorded after %d warm-up; every other one read back directly (HGET),"
          + " the others through the gRPC query service with the reply's position token",
          latency.replyNanos().length, settings.latencyWarmupCommands());
      Progress.print("%-48s %8s %8s %8s %8s", "measure", "p50 ms", "p99 ms", "p99.9 ms", "max ms");
      row("CommandGateway.send -> accepted reply", latency.replyNanos());
      row("reply -> effect visible in the Redis view", latency.visibleNanos());
      row("reply -> query service answers with the effect", latency.queriedNanos());
    }
  }

  private static void row(String measure, long[] nanos) {
    Progress.print("%-48s %8.1f %8.1f %8.1f %8.1f", measure, ViewVisibilityLatency.percentileMillis(nanos, 0.5),
        ViewVisibilityLatency.percentileMillis(nanos, 0.99), ViewVisibilityLatency.percentileMillis(nanos, 0.999),
        Arrays.stream(nanos).max().orElse(0) / 1e6);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
