package io.tributary.projection.internal;

import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * An assigned partition as the runner's thread sees it: the sink's position as last read or
 * written, the lag of the last poll, and the keyed state of a stateful projection. Written by the
 * runner's thread; the position and lag are read by any thread for status.
 */
public final class PartitionRun {
  private static final long NONE = -1;

  private final int partition;
  private final @Nullable PartitionState state;
  private volatile long sinkPosition;
  private volatile long lag = NONE;

  /** @param sinkPosition the sink's position read at assignment */
  public PartitionRun(int partition, OptionalLong sinkPosition, @Nullable PartitionState state) {
    this.partition = partition;
    this.sinkPosition = sinkPosition.orElse(NONE);
    this.state = state;
  }

  public int partition() {
    return partition;
  }

  /** @return the keyed state, or null for a stateless projection */
  public @Nullable PartitionState state() {
    return state;
  }

  /** @return the offset of the last event the sink holds, or empty */
  public OptionalLong sinkPosition() {
    long position = sinkPosition;
    return position == NONE ? OptionalLong.empty() : OptionalLong.of(position);
  }

  /** @return true if the sink holds {@code offset} already: the event was applied or parked before */
  public boolean sinkHolds(long offset) {
    return offset <= sinkPosition;
  }

  /** The sink applied the entries up to {@code offset}; its position never moves back. */
  void applied(long offset) {
    if (offset > sinkPosition) {
      sinkPosition = offset;
    }
  }

  /** @return the lag as of the last poll, or -1 while unknown */
  public long lag() {
    return lag;
  }

  void lag(long value) {
    lag = value;
  }
}
