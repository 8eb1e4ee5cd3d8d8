package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import java.time.Duration;
import java.util.Objects;

/**
 * When a partition is snapshotted and how many snapshots are kept. A snapshot is due when at least
 * {@code interval} has passed since the partition's last one and at least {@code minEventsBetween}
 * events were applied since; a quiet partition is not snapshotted, as its replay is short anyway.
 * A partition that has no snapshot yet takes its first after between one and two times {@code
 * minEventsBetween} events, spread over the partitions, so that the partitions of a new service do
 * not all snapshot at once.
 * Immutable; change it with the {@code withX} copies.
 *
 * @param interval the least time between two snapshots of a partition, >= 0
 * @param minEventsBetween the least number of events applied between two snapshots, >= 0
 * @param retained how many snapshots to keep per partition, >= 1
 */
@Evolving
public record SnapshotPolicy(Duration interval, long minEventsBetween, int retained) {
  public SnapshotPolicy {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("Snapshot interval " + interval + " is negative; use"
          + " Duration.ZERO or more.");
    }
    if (minEventsBetween < 0) {
      throw new IllegalArgumentException("minEventsBetween " + minEventsBetween + " is negative;"
          + " use 0 or more.");
    }
    if (retained < 1) {
      throw new IllegalArgumentException("retained " + retained + " keeps no snapshot; keep at"
          + " least 1, the one a restore needs.");
    }
  }

  /** @return every 5 minutes if at least 10 000 events were applied since; 3 kept */
  public static SnapshotPolicy defaults() {
    return new SnapshotPolicy(Duration.ofMinutes(5), 10_000, 3);
  }

  /** @return a copy with {@code interval} as the least time between two snapshots */
  public SnapshotPolicy withInterval(Duration interval) {
    return new SnapshotPolicy(interval, minEventsBetween, retained);
  }

  /** @return a copy with {@code minEventsBetween} as the least events between two snapshots */
  public SnapshotPolicy withMinEventsBetween(long minEventsBetween) {
    return new SnapshotPolicy(interval, minEventsBetween, retained);
  }

  /** @return a copy keeping {@code retained} snapshots per partition */
  public SnapshotPolicy withRetained(int retained) {
    return new SnapshotPolicy(interval, minEventsBetween, retained);
  }
}
