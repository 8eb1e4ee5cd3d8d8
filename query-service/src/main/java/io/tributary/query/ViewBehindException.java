package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import io.tributary.core.error.TransientException;

/**
 * A view did not reach the caller's position token within the wait: the projection has not yet
 * applied the events the caller wrote. Retrying later is the right reaction (gRPC: UNAVAILABLE,
 * with these values in the {@code tributary-behind-*} trailers).
 */
@Experimental
public final class ViewBehindException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final String projection;
  private final int version;
  private final int partition;
  private final long heldOffset;
  private final long neededOffset;

  /**
   * @param heldOffset the offset the view had applied, {@code -1} if nothing of the partition
   * @param neededOffset the offset the token needs
   */
  public ViewBehindException(String projection, int version, int partition, long heldOffset, long neededOffset) {
    super("view '%s' v%d is behind on partition %d: at offset %d, the token needs %d (%d events); retry later"
        .formatted(projection, version, partition, heldOffset, neededOffset, neededOffset - heldOffset));
    this.projection = projection;
    this.version = version;
    this.partition = partition;
    this.heldOffset = heldOffset;
    this.neededOffset = neededOffset;
  }

  /** @return the projection that is behind */
  public String projection() {
    return projection;
  }

  /** @return its live version that was waited for */
  public int version() {
    return version;
  }

  /** @return the events partition it is behind on */
  public int partition() {
    return partition;
  }

  /** @return the offset it had applied; {@code -1} if nothing of the partition */
  public long heldOffset() {
    return heldOffset;
  }

  /** @return the offset the token needs */
  public long neededOffset() {
    return neededOffset;
  }

  /** @return how many events the view is behind: needed less held */
  public long eventsBehind() {
    return neededOffset - heldOffset;
  }
}
