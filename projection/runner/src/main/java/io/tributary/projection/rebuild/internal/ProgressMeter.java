package io.tributary.projection.rebuild.internal;

import io.tributary.projection.rebuild.RebuildProgress;
import io.tributary.projection.rebuild.RebuildProgress.PartitionProgress;
import io.tributary.projection.rebuild.internal.Backlog.PartitionBacklog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns successive backlog samples of one version into {@link RebuildProgress}: the rate is the
 * offsets done per second between samples, smoothed so one slow poll does not swing the ETA.
 * Not thread-safe.
 */
public final class ProgressMeter {
  /** Weight of the newest sample in the smoothed rate. */
  private static final double SMOOTHING = 0.3;

  private final int version;
  private final Clock clock;
  private @Nullable Instant lastAt;
  private long lastDone;
  private double rate;

  public ProgressMeter(int version, Clock clock) {
    this.version = version;
    this.clock = clock;
  }

  /** @return the progress of {@code backlog}, sampled now; {@code published} is passed through */
  public RebuildProgress record(SortedMap<Integer, PartitionBacklog> backlog, boolean published) {
    Instant now = clock.instant();
    long done = 0;
    long left = 0;
    boolean caughtUp = !backlog.isEmpty();
    SortedMap<Integer, PartitionProgress> partitions = new TreeMap<>();
    for (Map.Entry<Integer, PartitionBacklog> entry : backlog.entrySet()) {
      PartitionBacklog b = entry.getValue();
      partitions.put(entry.getKey(), new PartitionProgress(b.partition(), b.next(), b.end(), b.left(), b.drained()));
      done += b.next();
      left += b.left();
      caughtUp &= b.drained();
    }
    if (lastAt != null) {
      double seconds = Duration.between(lastAt, now).toNanos() / 1e9;
      if (seconds > 0) {
        double sampled = Math.max(0, done - lastDone) / seconds;
        rate = rate == 0 ? sampled : SMOOTHING * sampled + (1 - SMOOTHING) * rate;
      }
    }
    lastAt = now;
    lastDone = done;
    Duration eta = left == 0 ? Duration.ZERO : rate > 0 ? Duration.ofMillis((long) Math.ceil(left / rate * 1000)) : null;
    return new RebuildProgress(version, done, left, rate, eta, caughtUp, published, now, partitions);
  }
}
