package io.tributary.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The throughput phase: for each round (warm-ups first), each workload and each system, pre-load
 * the commands into fresh topics, start the system with a fresh state directory, and time it from
 * its start until its last command is committed (see {@link CompletionWatch}). After each run the
 * events and rejections it wrote are counted; every run of a workload must count the same, since
 * both systems decide the same commands in the same order per account. Part of {@link
 * CommandSideBenchmark}, for docs/adr/0003-command-side.md.
 */
final class ThroughputPhase {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);
  /** Thread groups named in a run's CPU breakdown; the rest are summed. */
  private static final int THREAD_GROUPS = 16;

  /** One run's result. */
  record RunResult(String system, String workload, int round, boolean measured, long commands,
      CompletionWatch.Completion completion, CommandProcessor.Tally tally) {
    double commandsPerSecond() {
      return completion.commandsPerSecond(commands);
    }
  }

  private final BenchKafka kafka;
  private final BenchSettings settings;
  private final LongSupplier brokerCpuNanos;
  private final List<Workload> workloads;
  private final List<CommandProcessor> systems;
  private final CommandLoader loader;
  private final Random names = new Random();
  private final Map<String, CommandProcessor.Tally> expectedTallies = new HashMap<>();
  private final List<String> failedChecks = new ArrayList<>();

  /**
   * @param brokerCpuNanos the CPU time of the broker's own process so far, 0 when the broker runs in
   *     this JVM: a run's CPU per command counts the broker's work either way
   */
  ThroughputPhase(BenchKafka kafka, BenchSettings settings, LongSupplier brokerCpuNanos, List<Workload> workloads,
      List<CommandProcessor> systems) {
    this.kafka = kafka;
    this.brokerCpuNanos = brokerCpuNanos;
    this.settings = settings;
    this.workloads = workloads;
    this.systems = systems;
    this.loader = new CommandLoader(kafka);
  }

  /** @return checks that failed: a run whose counts differ from the workload's first run */
  List<String> failedChecks() {
    return failedChecks;
  }

  List<RunResult> run() throws InterruptedException {
    List<RunResult> results = new ArrayList<>();
    int rounds = settings.warmups() + settings.runs();
    for (int round = 1; round <= rounds; round++) {
      boolean measured = round > settings.warmups();
      for (Workload workload : workloads) {
        for (CommandProcessor system : systems) {
          results.add(runOnce(system, workload, round, measured));
        }
      }
    }
    return results;
  }

  private RunResult runOnce(CommandProcessor system, Workload workload, int round, boolean measured)
      throws InterruptedException {
    String run = (system.name().startsWith("tributary") ? "tr-" : "ks-") + workload.name().replaceAll("[^a-z]", "")
        + "-r" + round + "-" + Integer.toHexString(names.nextInt(1 << 16));
    String label = system.name() + " " + workload.name() + " round " + round + (measured ? "" : " (warm-up)");
    RunTopics topics = RunTopics.of(run);
    Progress.print("%s: topics %s.*, machine load average %.1f", label, run,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    Path stateDir = TempDirs.create("bench-state-");
    try {
      kafka.createTopics(topics.all());
      Map<TopicPartition, Long> ends = loader.load(topics.commands(), new CommandLog(workload, settings.seed()),
          settings.commands(), label);
      System.gc(); // so that the garbage of loading is not collected during the run
      long cpuBefore = processCpuNanos();
      long brokerCpuBefore = brokerCpuNanos.getAsLong();
      long allocatedBefore = allocatedBytes();
      ThreadCpu threadsBefore = ThreadCpu.snapshot();
      long started = System.nanoTime();
      CompletionWatch.Completion completion;
      String stats;
      String byThread;
      try (Running running = system.start(run, stateDir)) {
        completion = CompletionWatch.await(kafka, system.group(run), ends, started, running, label, RUN_TIMEOUT);
        byThread = ThreadCpu.snapshot().since(threadsBefore, completion.elapsed().toNanos() / 1e9, THREAD_GROUPS);
        long brokerCpu = brokerCpuNanos.getAsLong() - brokerCpuBefore;
        long cpu = processCpuNanos() - cpuBefore + brokerCpu;
        double elapsed = completion.elapsed().toNanos();
        String brokerShare = brokerCpu == 0 ? "" : String.format(Locale.ROOT, " (the broker's own JVM %.2f)",
            brokerCpu / elapsed);
        stats = String.format(Locale.ROOT, "%s; CPU %.2f cores%s, %.1f core-µs per command; %.1f KiB allocated per"
            + " command in this JVM", running.stats(), cpu / elapsed, brokerShare, cpu / 1e3 / settings.commands(),
            (allocatedBytes() - allocatedBefore) / 1024.0 / settings.commands());
      }
      CommandProcessor.Tally tally = system.tally(kafka, topics);
      RunResult result = new RunResult(system.name(), workload.name(), round, measured, settings.commands(),
          completion, tally);
      Progress.print("  %s: %s commands in %.2f s = %s cmd/s (first commit after %.2f s); %s events, %s rejections,"
          + " %d failed; %s", label, Progress.count(settings.commands()), completion.elapsed().toNanos() / 1e9,
          Progress.count(result.commandsPerSecond()), completion.firstCommit().toNanos() / 1e9,
          Progress.count(tally.events()), Progress.count(tally.rejections()), tally.failures(), stats);
      Progress.print("  %s: CPU by thread, cores: %s", label, byThread);
      check(label, workload, tally);
      return result;
    } finally {
      TempDirs.delete(stateDir);
      kafka.deleteTopicsStartingWith(run);
    }
  }

  /** @return the CPU time of this whole process (system under test, benchmark, and the broker if it is here) so far */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** @return the bytes every live thread of this process (system under test, benchmark, the broker if here) allocated so far */
  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
  }

  private void check(String label, Workload workload, CommandProcessor.Tally tally) {
    CommandProcessor.Tally expected = expectedTallies.putIfAbsent(workload.name(), tally);
    boolean complete = tally.events() + tally.rejections() + tally.failures() == settings.commands();
    if (!complete || tally.failures() > 0 || (expected != null && !expected.equals(tally))) {
      String failed = label + " wrote " + tally + ", expected " + (expected == null ? "no failures and one record per"
          + " command" : expected) + " for " + settings.commands() + " commands";
      Progress.print("  CHECK FAILED: %s", failed);
      failedChecks.add(failed);
    }
  }
}
