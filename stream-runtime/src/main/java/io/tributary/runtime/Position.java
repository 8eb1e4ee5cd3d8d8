package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;

/**
 * Where a record sits in a service's events topic. A command reply carries the position of its last
 * event; a query given that position waits until its read model has applied it (read-your-writes).
 *
 * @param partition the events partition, which is the aggregate's partition
 * @param offset the offset of the record in that partition
 */
@Evolving
public record Position(int partition, long offset) {
  public Position {
    if (partition < 0 || offset < 0) {
      throw new IllegalArgumentException("Position " + partition + ":" + offset + " is invalid; both are >= 0.");
    }
  }

  @Override
  public String toString() {
    return partition + ":" + offset;
  }
}
