package io.tributary.benchmarks;

import io.tributary.devservices.KafkaDevServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * How long is a partition out of service after its instance dies, and after it moves? Two
 * measurements, each at several state sizes, with the runtime in child JVMs ({@link RecoveryChild})
 * on a broker in this JVM; the service has one partition, whose local state is built directly in
 * RocksDB ({@link StateBuilder}) before the first start:
 *
 * <ol>
 *   <li><b>kill -9 to serving</b>: the instance serves; the benchmark sends it {@code SIGKILL}, starts
 *       a new JVM on the same state directory, sends a command at once and stops the clock when its
 *       accepted outcome is committed. Timed from just before the kill.
 *   <li><b>moved partition</b>: a second instance with an empty state directory and the same
 *       snapshot directory joins; the owner is told to close (a graceful leave: it snapshots the
 *       partition on revocation and leaves the group); once its process has ended a command is sent,
 *       and the clock, started when the owner was told to close, stops when the command is accepted
 *       by the new owner, which restored the snapshot. The roles then swap, with the leaver's state
 *       directory deleted, so every run moves the whole state.
 * </ol>
 *
 * Before the first measurement of each size, an untimed training run (a child starts, serves a
 * command, closes) writes the children's ahead-of-time JVM cache, as a deployment would once per
 * build; see {@link ChildInstance}.
 *
 * <p>Settings: {@code bench.recovery.sizes-mb} (default {@code 100,1000}), {@code bench.recovery.runs}
 * (3), {@code bench.recovery.accounts} (100000), {@code bench.recovery.entry-bytes} (1000), {@code
 * bench.recovery.child-heap} (1g), {@code bench.recovery.logs-dir} (unset: where to keep the children's
 * logs), {@code bench.recovery.measures} ({@code kill,move}), {@code bench.recovery.jvm-cache} ({@code aot},
 * see {@link ChildInstance}), {@code bench.recovery.child-jvm-options} (none). The command is in {@code benchmarks/README.md}.
 */
public final class RecoveryBenchmark {
  private RecoveryBenchmark() {}

  record Result(String measure, long sizeMb, List<Double> seconds) {}

  public static void main(String[] args) throws Exception {
    long[] sizesMb = Arrays.stream(System.getProperty("bench.recovery.sizes-mb", "100,1000").split(","))
        .map(String::strip).mapToLong(Long::parseLong).toArray();
    int runs = Integer.getInteger("bench.recovery.runs", 3);
    List<String> measures = List.of(System.getProperty("bench.recovery.measures", "kill,move").split(","));
    StateBuilder builder = new StateBuilder(Integer.getInteger("bench.recovery.accounts", 100_000),
        Integer.getInteger("bench.recovery.entry-bytes", 1000));
    Progress.print("Recovery benchmark on %s, %d cores; sizes %s MiB, %d runs each",
        Runtime.version(), Runtime.getRuntime().availableProcessors(), Arrays.toString(sizesMb), runs);
    Path dataDir = TempDirs.create("tributary-recovery-");
    List<Result> results = new ArrayList<>();
    try (KafkaDevServer broker = KafkaDevServer.start(KafkaDevServer.Options.defaults(dataDir.resolve("kafka")));
        BenchKafka kafka = new BenchKafka(broker.bootstrapServers(), Map.of(), 1);
        Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Progress.print("broker ready at %s", broker.bootstrapServers());
      for (long sizeMb : sizesMb) {
        String service = "recovery-" + sizeMb + "mb";
        Path base = dataDir.resolve(service);
        Path[] stateDirs = {base.resolve("a"), base.resolve("b")};
        Path snapshots = base.resolve("snapshots");
        Progress.print("== %s: building %,d MiB of state ==", service, sizeMb);
        builder.build(stateDirs[0].resolve("p-0"), sizeMb << 20, service);
        Scenario scenario = new Scenario(kafka, admin, broker.bootstrapServers(), service, base, snapshots);
        scenario.train(stateDirs[0]);
        if (measures.contains("kill")) {
          results.add(new Result("kill -9 -> serving", sizeMb, scenario.killAndRestart(stateDirs[0], runs)));
        }
        if (measures.contains("move")) {
          results.add(new Result("moved partition", sizeMb, scenario.move(stateDirs, runs)));
        }
        keepLogs(base);
        TempDirs.delete(base);
      }
      System.out.println();
      Progress.print("== results (%s) ==", Runtime.version());
      Progress.print("%-22s %10s %5s %10s %10s %10s", "measure", "state MiB", "runs", "median s", "min s", "max s");
      for (Result result : results) {
        List<Double> sorted = result.seconds().stream().sorted().toList();
        Progress.print("%-22s %,10d %5d %10.2f %10.2f %10.2f   all: %s", result.measure(), result.sizeMb(),
            sorted.size(), sorted.get(sorted.size() / 2), sorted.getFirst(), sorted.getLast(),
            result.seconds().stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList());
      }
    } finally {
      TempDirs.delete(dataDir);
    }
    System.exit(0);
  }

  /** Copies the children's logs to {@code bench.recovery.logs-dir}, if set, before their directory goes. */
  private static void keepLogs(Path base) throws java.io.IOException {
    String target = System.getProperty("bench.recovery.logs-dir");
    if (target == null) {
      return;
    }
    Path dir = Path.of(target);
    java.nio.file.Files.createDirectories(dir);
    try (var logs = java.nio.file.Files.list(base)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        java.nio.file.Files.copy(log, dir.resolve(base.getFileName() + "-" + log.getFileName()),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** The two measurements on one service. */
  private record Scenario(BenchKafka kafka, Admin admin, String bootstrap, String service, Path base,
      Path snapshots) {

    private ChildInstance start(String label, Path stateDir) throws InterruptedException {
      ChildInstance child = ChildInstance.start(label, base.resolve(label + ".log"), bootstrap, service, stateDir,
          snapshots, 1);
      child.awaitStarted();
      return child;
    }

    /**
     * A training run, as a deployment would make once per build: a child starts, serves a command
     * and exits normally, which writes the JVM's ahead-of-time cache for every later child. Not timed.
     */
    void train(Path stateDir) throws InterruptedException {
      if (!ChildInstance.needsTraining(base)) {
        return;
      }
      long started = System.nanoTime();
      ChildInstance trainer = start("a", stateDir);
      try (CommandProbe probe = new CommandProbe(kafka, service)) {
        probe.sendAndAwaitAccepted();
      }
      trainer.requestClose();
      trainer.awaitExit(300);
      if (ChildInstance.needsTraining(base)) {
        throw new IllegalStateException("The training run ended without writing the JVM's ahead-of-time cache;"
            + " see the child's log " + base.resolve("a.log"));
      }
      Progress.print("  %s: training run (start, a command, close, the JVM's cache written) took %.2f s", service,
          since(started));
    }

    List<Double> killAndRestart(Path stateDir, int runs) throws InterruptedException {
      List<Double> seconds = new ArrayList<>();
      ChildInstance child = start("a", stateDir);
      try (CommandProbe probe = new CommandProbe(kafka, service)) {
        long started = System.nanoTime();
        probe.sendAndAwaitAccepted();
        Progress.print("  %s: first start served a command after %.2f s", service, since(started));
        for (int run = 1; run <= runs; run++) {
          long killedWall = System.currentTimeMillis();
          long killed = System.nanoTime();
          child.kill();
          long restarted = System.nanoTime();
          child = ChildInstance.start("a", base.resolve("a.log"), bootstrap, service, stateDir, snapshots, 1);
          long accepted = probe.sendAndAwaitAccepted();
          double total = (accepted - killed) / 1e9;
          seconds.add(total);
          Progress.print("  %s kill -9 run %d: %.2f s from kill to an accepted command (the new JVM was started"
              + " %.2f s after the kill, its runtime %.2f s after that)", service, run, total,
              (restarted - killed) / 1e9, (child.startedAt() - restarted) / 1e9);
          long[] milestones = child.milestones();
          Progress.print("    split from the kill (wall clock, s): main %.2f, runtime started %.2f, command"
              + " accepted %.2f (the child's log has the steps in between)",
              (milestones[0] - killedWall) / 1e3, (milestones[1] - killedWall) / 1e3, total);
        }
      } finally {
        child.close();
      }
      return seconds;
    }

    List<Double> move(Path[] stateDirs, int runs) throws Exception {
      List<Double> seconds = new ArrayList<>();
      String[] labels = {"a", "b"};
      TempDirs.delete(stateDirs[1]);
      ChildInstance owner = start(labels[0], stateDirs[0]);
      ChildInstance taker = null;
      try (CommandProbe probe = new CommandProbe(kafka, service)) {
        probe.sendAndAwaitAccepted();
        int ownerIndex = 0;
        for (int run = 1; run <= runs; run++) {
          int takerIndex = 1 - ownerIndex;
          taker = start(labels[takerIndex], stateDirs[takerIndex]);
          awaitStableGroup(2);
          long leaving = System.nanoTime();
          owner.requestClose();
          owner.awaitExit(120);
          long exited = System.nanoTime();
          long accepted = probe.sendAndAwaitAccepted();
          double total = (accepted - leaving) / 1e9;
          seconds.add(total);
          Progress.print("  %s move run %d: %.2f s from the owner's leave to a command accepted by the new owner"
              + " (the leaver took %.2f s to exit)", service, run, total, (exited - leaving) / 1e9);
          TempDirs.delete(stateDirs[ownerIndex]);
          owner = taker;
          taker = null;
          ownerIndex = takerIndex;
        }
      } finally {
        owner.close();
        if (taker != null) {
          taker.close();
        }
      }
      return seconds;
    }

    private void awaitStableGroup(int members) throws InterruptedException, ExecutionException {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (System.nanoTime() < deadline) {
        Map<String, ConsumerGroupDescription> groups =
            admin.describeConsumerGroups(List.of(service)).all().get();
        ConsumerGroupDescription group = groups.get(service);
        Collection<?> current = group.members();
        if (group.groupState() == GroupState.STABLE && current.size() == members) {
          return;
        }
        Thread.sleep(50);
      }
      throw new IllegalStateException("The group " + service + " did not become stable with " + members
          + " members within 120 s");
    }

    private static double since(long started) {
      return (System.nanoTime() - started) / 1e9;
    }
  }
}
