package io.tributary.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * How many commands per second does Tributary's command side decide, compared with a Kafka
 * Streams application doing the same work with exactly-once, and what latency does a command see
 * at a fixed load? The command side is described in docs/adr/0003-command-side.md; its
 * consequences claim one transaction per poll and no changelog besides the events, where Kafka
 * Streams writes a changelog record per update.
 *
 * <p>Method, on one Kafka broker (a {@link BenchBroker}: the testkit's KRaft dev server, in this JVM
 * unless {@code bench.broker-jvm=own}) shared by both systems, which run one after the other, never
 * together:
 *
 * <ol>
 *   <li>Throughput: for each round (warm-ups, then measured runs), each workload (bank-account
 *       commands on uniformly drawn accounts, and on Zipf-distributed ones) and each system,
 *       {@code bench.commands} commands are pre-loaded into fresh topics; the system starts with a
 *       fresh state directory and is timed from its start until its consumer group has committed
 *       the last command (offsets commit in the same transaction as the output, see {@link
 *       CompletionWatch}). What each run wrote is then counted and checked against the other runs.
 *   <li>Latency: commands offered open-loop at {@code bench.latency-rate} per second; Tributary
 *       from a gRPC {@code CommandService.Send} call to its reply (every other command; the others
 *       from {@code CommandGateway.send} to the committed reply), Kafka Streams from producing the
 *       command to its output being visible {@code read_committed}.
 * </ol>
 *
 * It prints progress while it runs and, at the end, the median, minimum and maximum commands per
 * second of the measured runs, the ratio Tributary / Kafka Streams, and the latency percentiles.
 * Scale and tuning come from {@code bench.*} system properties (see {@link BenchSettings}); the
 * command that runs it is at the top of {@code benchmarks/README.md}. The process exits with 1 if a
 * run's output counts disagree with the others of its workload.
 */
public final class CommandSideBenchmark {
  private CommandSideBenchmark() {}

  public static void main(String[] args) throws Exception {
    BenchSettings settings = BenchSettings.fromSystemProperties();
    Progress.print("Command-side benchmark on %s %s (%s), %d cores, max heap %d MiB",
        System.getProperty("java.vm.name"), Runtime.version(), System.getProperty("java.vm.vendor"),
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    Progress.print("settings: %s", settings);
    Path dataDir = TempDirs.create("tributary-bench-");
    List<String> failedChecks;
    try (BenchBroker broker = BenchBroker.start(dataDir, settings.brokerProperties());
        BenchKafka kafka = new BenchKafka(broker.bootstrapServers(), settings.kafkaProperties(),
            settings.partitions())) {
      Progress.print("broker ready at %s, %s", broker.bootstrapServers(), broker.describe());
      TributarySystem tributary = new TributarySystem(kafka, settings);
      StreamsPeer streams = new StreamsPeer(kafka, settings);
      List<ThroughputPhase.RunResult> throughput = List.of();
      ThroughputPhase phase = new ThroughputPhase(kafka, settings, broker::ownProcessCpuNanos,
          List.of(Workload.uniform(settings.accounts()), Workload.zipf(settings.accounts(), settings.zipfExponent())),
          Stream.of(tributary, streams).filter(system -> settings.runsSystem(system.name())).toList());
      if (settings.runsPhase("throughput")) {
        try (CommittedHeap heap = CommittedHeap.keepUnlessDisabled()) {
          Progress.print("heap: %s", heap.describe());
          throughput = phase.run();
        }
      }
      List<LatencyResult> latency = settings.runsPhase("latency")
          ? new LatencyPhase(kafka, broker, settings, tributary, streams).run()
          : List.of();
      failedChecks = phase.failedChecks();
      System.out.println();
      Progress.print("== results (%s commands, %s accounts; %s) ==", Progress.count(settings.commands()),
          Progress.count(settings.accounts()), Runtime.version());
      if (!throughput.isEmpty()) {
        ResultTable.printThroughput(throughput);
      }
      if (!latency.isEmpty()) {
        ResultTable.printLatency(latency, settings);
      }
      ResultTable.printNotMeasured();
      failedChecks.forEach(failed -> Progress.print("CHECK FAILED: %s", failed));
    } finally {
      TempDirs.delete(dataDir);
    }
    System.exit(failedChecks.isEmpty() ? 0 : 1);
  }
}
