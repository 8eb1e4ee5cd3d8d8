package io.tributary.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One Tributary instance in a process of its own, for the recovery benchmark: it runs until its
 * standard input says {@code close} (a graceful leave: its partitions are snapshotted and move) or
 * ends, or until the benchmark kills it with {@code kill -9}.
 *
 * <p>Arguments: bootstrap servers, service name, state directory, snapshot directory, partitions.
 */
public final class RecoveryChild {
  /** Printed once the runtime was started; the benchmark waits for it. */
  static final String STARTED = "RECOVERY-CHILD STARTED";
  /** Prefix of the line with the child's wall-clock milestones, printed just before {@link #STARTED}. */
  static final String TIMES = "RECOVERY-CHILD TIMES";
  /** Printed once a graceful close returned. */
  static final String CLOSED = "RECOVERY-CHILD CLOSED";

  private RecoveryChild() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      throw new IllegalArgumentException("Usage: RecoveryChild <bootstrap servers> <service> <state dir>"
          + " <snapshot dir> <partitions>; got " + args.length + " arguments.");
    }
    RuntimeSettings settings = RuntimeSettings.defaults(args[0], Path.of(args[2]))
        .withSnapshotDir(Path.of(args[3]))
        .withPartitions(Integer.parseInt(args[4]));
    long mainAt = System.currentTimeMillis();
    TributaryRuntime runtime = TributaryRuntime.start(Account.service(args[1]), settings, new SimpleMeterRegistry());
    long startedAt = System.currentTimeMillis();
    // wall-clock milestones, for the benchmark's split of a restart: main entered, the runtime started
    System.out.println(TIMES + " main=" + mainAt
        + " started=" + startedAt);
    System.out.println(STARTED);
    System.out.flush();
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (!ChildJvm.closes(input.readLine())) {
      // wait for the benchmark's word
    }
    runtime.close();
    System.out.println(CLOSED);
    System.out.flush();
    System.exit(runtime.failure() == null ? 0 : 1);
  }
}
