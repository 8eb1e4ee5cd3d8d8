package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import java.util.Objects;

/**
 * Where a projection version stood on one events partition: the offset of the last event it had
 * applied. Reported with every query reply, read before the handler ran, so the reply reflects at
 * least these events.
 *
 * @param projection the projection
 * @param version its version that was read
 * @param partition the events partition
 * @param offset the offset of the last applied event of that partition
 */
@Experimental
public record ViewPosition(String projection, int version, int partition, long offset) {
  public ViewPosition {
    Objects.requireNonNull(projection, "projection");
  }
}
