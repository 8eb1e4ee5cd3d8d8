package io.tributary.projection.rebuild;

import io.tributary.core.annotation.Experimental;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How far one version of a projection is through the events topic, sampled at one moment: its
 * sink's positions (or, for {@link RebuildStatusCommand}, its group's committed offsets) against
 * the topic's {@code read_committed} end offsets. A value; it does not change after it is returned.
 *
 * <p>Counts are in offsets. Transaction markers take offsets too, so {@code eventsDone} and {@code
 * eventsLeft} are upper bounds of the events; a partition is caught up when no committed event is
 * left below its end, which is checked by reading, not by offsets alone.
 *
 * @param version the projection version measured
 * @param eventsDone offsets applied, over all partitions
 * @param eventsLeft offsets below the end not applied yet, over all partitions; 0 when caught up
 * @param ratePerSecond offsets applied per second, smoothed over the last samples; 0 before the second sample
 * @param eta when {@code eventsLeft} will be done at {@code ratePerSecond}; {@link Duration#ZERO}
 *     when caught up, null while the rate is 0
 * @param caughtUp every partition holds no committed event after what the version applied
 * @param published the version is the live one
 * @param sampledAt when the end offsets were read
 * @param partitions per partition of the events topic
 */
@Experimental
public record RebuildProgress(int version, long eventsDone, long eventsLeft, double ratePerSecond,
    @Nullable Duration eta, boolean caughtUp, boolean published, Instant sampledAt,
    SortedMap<Integer, PartitionProgress> partitions) {

  public RebuildProgress {
    Objects.requireNonNull(sampledAt, "sampledAt");
    partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
  }

  /**
   * One partition.
   *
   * @param partition the partition of the events topic
   * @param next the next offset the version applies (its position + 1; 0 before the first event)
   * @param endOffset the partition's {@code read_committed} end offset when sampled
   * @param left offsets still to apply; 0 when caught up
   * @param caughtUp no committed event is left after {@code next - 1} below {@code endOffset}
   */
  public record PartitionProgress(int partition, long next, long endOffset, long left, boolean caughtUp) {}
}
