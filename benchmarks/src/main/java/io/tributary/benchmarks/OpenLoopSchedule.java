package io.tributary.benchmarks;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * When each command of an open-loop run is due: command {@code i} at {@code start + i / rate},
 * whatever became of the commands before it. Latency is measured from the due time, so a sender
 * that falls behind shows up as latency instead of lowering the offered rate. The first {@link
 * #warmupCommands()} commands are sent but not recorded. Immutable.
 */
record OpenLoopSchedule(long intervalNanos, int warmupCommands, int totalCommands, long startNanos) {

  /** @return a schedule of {@code rate} commands per second for {@code warmup} then {@code recorded}, not started */
  static OpenLoopSchedule of(int rate, Duration warmup, Duration recorded) {
    long interval = 1_000_000_000L / rate;
    int warmupCommands = (int) (warmup.toNanos() / interval);
    int recordedCommands = (int) (recorded.toNanos() / interval);
    return new OpenLoopSchedule(interval, warmupCommands, warmupCommands + recordedCommands, 0);
  }

  /** @return this schedule, its first command due {@code delay} from now */
  OpenLoopSchedule startingIn(Duration delay) {
    return new OpenLoopSchedule(intervalNanos, warmupCommands, totalCommands, System.nanoTime() + delay.toNanos());
  }

  long due(int index) {
    return startNanos + index * intervalNanos;
  }

  /** Parks the calling thread until command {@code index} is due; returns at once if it is late. */
  void awaitDue(int index) {
    long wait;
    while ((wait = due(index) - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }
}
