package io.tributary.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A {@link RecoveryChild} JVM started by the recovery benchmark. Its output goes to a log file in
 * full; lines about restores, snapshots and failures are echoed with the instance's label.
 */
final class ChildInstance implements AutoCloseable {
  /** Tributary's restore and snapshot lines, and whatever goes wrong. */
  private static final Pattern ECHOED =
      Pattern.compile("(INFO io\\.tributary.*(restored|Restored|Saved))| WARN | ERROR |Exception");

  private static final String AOT_CACHE = "recovery-child.aot";

  private final String label;
  private final Process process;
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile long startedAt;
  private volatile long[] milestones = {0, 0};

  private ChildInstance(String label, Process process, Path log) {
    this.label = label;
    this.process = process;
    ChildJvm.pump(process, log, "child-" + label, this::read, error -> {
      if (error != null) {
        Progress.print("    [%s] output ended: %s", label, error.getMessage());
      }
    });
  }

  /** Starts a child JVM running {@link RecoveryChild} with these arguments. */
  static ChildInstance start(String label, Path log, String bootstrap, String service, Path stateDir,
      Path snapshotDir, int partitions) {
    List<String> options = new ArrayList<>(extraJvmOptions());
    options.addAll(jvmCacheOptions(log.toAbsolutePath().getParent()));
    options.addAll(List.of(
        "-Dorg.slf4j.simpleLogger.log.io.tributary=info",
        // the group joins and transaction steps, with times, in the child's log file
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals=info",
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.producer.internals.TransactionManager=info"));
    List<String> command = ChildJvm.command(System.getProperty("bench.recovery.child-heap", "1g"), options,
        RecoveryChild.class, List.of(bootstrap, service, stateDir.toString(), snapshotDir.toString(),
            String.valueOf(partitions)));
    return new ChildInstance(label, ChildJvm.start(command, "a child JVM"), log);
  }

  /**
   * The options of the JVM's start-up cache, {@code bench.recovery.jvm-cache}: {@code aot} (the
   * default) maps an ahead-of-time cache of the child's classes, loaded and linked, and of method
   * profiles ({@code -XX:AOTCache}), written by a training run ({@link #needsTraining}); {@code cds}
   * a dynamic class-data-sharing archive that the first child to exit normally writes; {@code none}
   * none at all.
   */
  private static List<String> jvmCacheOptions(Path dir) {
    String mode = System.getProperty("bench.recovery.jvm-cache", "aot");
    return switch (mode) {
      case "aot" -> {
        Path cache = dir.resolve(AOT_CACHE);
        yield java.nio.file.Files.exists(cache)
            ? List.of("-XX:AOTCache=" + cache)
            // a training run: records what the child loads and runs, and writes the cache as it exits
            : List.of("-XX:AOTCacheOutput=" + cache);
      }
      case "cds" -> List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + dir.resolve("recovery-child.jsa"));
      case "none" -> List.of();
      default -> throw new IllegalArgumentException("bench.recovery.jvm-cache is '" + mode
          + "'; use aot, cds or none.");
    };
  }

  /** Further options for the child JVMs, {@code bench.recovery.child-jvm-options}, separated by spaces. */
  private static List<String> extraJvmOptions() {
    String options = System.getProperty("bench.recovery.child-jvm-options", "").strip();
    return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
  }

  /**
   * @return {@code true} if children in {@code dir} would start without an ahead-of-time cache that
   *     the {@code aot} mode wants: a child must first run and exit normally to write it
   */
  static boolean needsTraining(Path dir) {
    return System.getProperty("bench.recovery.jvm-cache", "aot").equals("aot")
        && !java.nio.file.Files.exists(dir.toAbsolutePath().resolve(AOT_CACHE));
  }

  long pid() {
    return process.pid();
  }

  /** @return {@link System#nanoTime} when the child said its runtime started; 0 before */
  long startedAt() {
    return startedAt;
  }

  /**
   * @return the child's wall-clock milestones in epoch milliseconds: its {@code main} began, its
   *     runtime was started; zeros before it said so
   */
  long[] milestones() {
    return milestones.clone();
  }

  /** Waits until the child says its runtime started. */
  void awaitStarted() throws InterruptedException {
    while (!started.await(100, TimeUnit.MILLISECONDS)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(label + " exited with " + process.exitValue() + " before it started;"
            + " see its log");
      }
    }
  }

  /** Sends SIGKILL (kill -9) and waits for the process to end. */
  void kill() throws InterruptedException {
    ChildJvm.kill(process);
  }

  /** Asks the child to close gracefully; does not wait. */
  void requestClose() {
    try {
      ChildJvm.requestClose(process);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot tell " + label + " to close: " + e.getMessage(), e);
    }
  }

  /** Waits for a requested close to finish and the process to end. */
  void awaitExit(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(label + " did not exit within " + timeoutSeconds + " s; killed it");
    }
  }

  private void read(String line) {
    if (line.startsWith(RecoveryChild.TIMES)) {
      milestones = parseMilestones(line);
    } else if (line.equals(RecoveryChild.STARTED)) {
      startedAt = System.nanoTime();
      started.countDown();
    } else if (ECHOED.matcher(line).find()) {
      Progress.print("    [%s] %s", label, line.length() > 300 ? line.substring(0, 300) + "..." : line);
    }
  }

  private static long[] parseMilestones(String line) {
    String[] fields = line.substring(RecoveryChild.TIMES.length()).strip().split(" ");
    long[] times = new long[fields.length];
    for (int i = 0; i < fields.length; i++) {
      times[i] = Long.parseLong(fields[i].substring(fields[i].indexOf('=') + 1));
    }
    return times;
  }

  /** Closes the child gracefully (it leaves the group), or kills it if it does not exit within 60 s. */
  @Override
  public void close() throws InterruptedException {
    ChildJvm.close(process, label, 60);
  }
}
