package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;

/**
 * Where an update came from: an offset in one partition of the events topic. A sink holds the last
 * applied position per (projection, partition) and applies an update only if its offset is newer.
 *
 * @param partition the events topic partition, {@code >= 0}
 * @param offset the offset of the event in that partition, {@code >= 0}
 */
@Evolving
public record SourcePosition(int partition, long offset) implements Comparable<SourcePosition> {

  /** @throws IllegalArgumentException if partition or offset is negative */
  public SourcePosition {
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, was " + partition);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset + " (partition " + partition + ")");
    }
  }

  /** Orders by partition, then offset. */
  @Override
  public int compareTo(SourcePosition other) {
    int byPartition = Integer.compare(partition, other.partition);
    return byPartition != 0 ? byPartition : Long.compare(offset, other.offset);
  }

  @Override
  public String toString() {
    return partition + "@" + offset;
  }
}
