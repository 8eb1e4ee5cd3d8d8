package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;
import java.util.List;

/**
 * The view updates one event produced, with the event's position. A sink applies them all or, if
 * {@code source} is not newer than the position it holds, none of them.
 *
 * @param source the event's partition and offset
 * @param updates the updates in the order they apply; may be empty (the position still moves)
 */
@Evolving
public record SourcedUpdates(SourcePosition source, List<ViewUpdate> updates) {

  /** Copies {@code updates}, so later changes to the caller's list are not seen. */
  public SourcedUpdates {
    updates = List.copyOf(updates);
  }

  /** @return updates from {@code partition} at {@code offset} */
  public static SourcedUpdates of(int partition, long offset, ViewUpdate... updates) {
    return new SourcedUpdates(new SourcePosition(partition, offset), List.of(updates));
  }
}
