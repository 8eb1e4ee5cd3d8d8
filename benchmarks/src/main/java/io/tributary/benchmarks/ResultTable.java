package io.tributary.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
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

  /**
   * One line per system and measure: the median over the recorded rounds of each percentile, the
   * commands offered and answered in all rounds, and the GC pauses in all recorded windows.
   */
  static void printLatency(List<LatencyResult> results, BenchSettings settings) {
    line("latency at %s cmd/s offered open-loop, %d s recorded after %d s of warm-up (uniform keys), median of %d"
        + " rounds", Progress.count(settings.latencyRate()), settings.latencyDuration().toSeconds(),
        settings.latencyWarmup().toSeconds(), settings.latencyRuns());
    line("%-14s %-44s %4s %9s %9s %8s %8s %8s %8s %10s %10s", "system", "measure", "runs", "offered", "answered",
        "p50 ms", "p99 ms", "p99.9 ms", "max ms", "GC pauses", "tail in GC");
    Map<String, List<LatencyResult>> byMeasure = results.stream().collect(Collectors.groupingBy(
        result -> result.system() + " " + result.measure(), LinkedHashMap::new, Collectors.toList()));
    for (List<LatencyResult> rounds : byMeasure.values()) {
      LatencyResult first = rounds.getFirst();
      line("%-14s %-44s %4d %9d %9d %8.1f %8.1f %8.1f %8.1f %10s %9.0f%%", first.system(), first.measure(),
          rounds.size(),
          rounds.stream().mapToInt(LatencyResult::offered).sum(),
          rounds.stream().mapToInt(LatencyResult::answered).sum(),
          median(rounds, LatencyResult::p50Millis), median(rounds, LatencyResult::p99Millis),
          median(rounds, LatencyResult::p999Millis), median(rounds, LatencyResult::maxMillis),
          rounds.stream().mapToInt(round -> round.pauses().count()).sum() + " / "
              + rounds.stream().mapToLong(round -> round.pauses().maxMillis()).max().orElse(0),
          100 * median(rounds, LatencyResult::tailInPauses));
    }
    line("per-round p50 / p99 ms: %s", results.stream()
        .map(r -> String.format(Locale.ROOT, "%s %s %.1f / %.1f", r.system(), shortMeasure(r.measure()), r.p50Millis(),
            r.p99Millis()))
        .collect(Collectors.joining(", ")));
    line("GC pauses: the stop-the-world pauses of the JVM that runs the system (and the broker, unless"
        + " -Dbench.broker-jvm=own) in the recorded windows, count / longest ms; tail in GC: of the commands at or"
        + " above the p99, the share that waited through a pause (median of the rounds)");
  }

  /** @return the first word of a measure's description: {@code gRPC}, {@code CommandGateway.send}, {@code produce} */
  private static String shortMeasure(String measure) {
    int space = measure.indexOf(' ');
    return space < 0 ? measure : measure.substring(0, space);
  }

  private static double median(List<LatencyResult> rounds, ToDoubleFunction<LatencyResult> percentile) {
    return median(rounds.stream().map(percentile::applyAsDouble).toList());
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
