package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints the final tables: throughput per system and workload over the measured runs, then latency. */
final class ResultTable {
  private ResultTable() {}

  static void printThroughput(List<ThroughputPhase.RunResult> results) {
    Map<String, Map<String, List<Double>>> bySystem = new LinkedHashMap<>();
    for (ThroughputPhase.RunResult result : results) {
      if (result.measured()) {
        bySystem.computeIfAbsent(result.workload(), workload -> new LinkedHashMap<>())
            .computeIfAbsent(result.system(), system -> new ArrayList<>()).add(result.commandsPerSecond());
      }
    }
    line("%-14s %-10s %4s %14s %12s %12s %16s", "system", "workload", "runs", "median cmd/s", "min", "max",
        "ratio T/KS");
    bySystem.forEach((workload, systems) -> {
      double tributary = median(systems.getOrDefault("tributary", List.of()));
      double streams = median(systems.getOrDefault("kafka-streams", List.of()));
      systems.forEach((system, rates) -> line("%-14s %-10s %4d %14s %12s %12s %16s", system, workload, rates.size(),
          Progress.count(median(rates)), Progress.count(rates.stream().min(Comparator.naturalOrder()).orElseThrow()),
          Progress.count(rates.stream().max(Comparator.naturalOrder()).orElseThrow()),
          system.equals("tributary") && Double.isFinite(tributary / streams)
              ? String.format(Locale.ROOT, "%.2fx", tributary / streams) : ""));
    });
    line("per-run cmd/s: %s", results.stream().filter(ThroughputPhase.RunResult::measured)
        .map(r -> r.system() + "/" + r.workload() + "/r" + r.round() + "=" + Progress.count(r.commandsPerSecond()))
        .collect(Collectors.joining(", ")));
  }

  static void printLatency(List<LatencyResult> results, BenchSettings settings) {
    line("latency at %s cmd/s offered open-loop, %d s recorded after %d s of warm-up (uniform keys)",
        Progress.count(settings.latencyRate()), settings.latencyDuration().toSeconds(),
        settings.latencyWarmup().toSeconds());
    line("%-14s %-44s %9s %9s %8s %8s %8s %8s %10s", "system", "measure", "offered", "answered", "p50 ms", "p99 ms",
        "p99.9 ms", "max ms", "GC pauses");
    for (LatencyResult result : results) {
      line("%-14s %-44s %9d %9d %8.1f %8.1f %8.1f %8.1f %10s", result.system(), result.measure(), result.offered(),
          result.answered(), result.p50Millis(), result.p99Millis(), result.p999Millis(), result.maxMillis(),
          result.pauses().count() + " / " + result.pauses().maxMillis());
    }
    line("GC pauses: the JVM's stop-the-world pauses in the recorded window, count / longest ms (the broker and the"
        + " system share the JVM; a pause stops both)");
  }

  static void printNotMeasured() {
    line("kill -9 to serving and a moved partition are measured by RecoveryBenchmark (see README.md)");
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  private static void line(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
