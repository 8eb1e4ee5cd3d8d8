package io.tributary.projection.elasticsearch;

import io.tributary.core.annotation.Evolving;
import java.util.Objects;

/**
 * Settings of an {@link ElasticsearchViewSink}. Immutable; change one with a {@code withX} copy.
 *
 * @param positionsIndex the index holding one position document per (projection, partition)
 * @param refresh when written documents become visible to search
 * @param ownerField the top-level field the sink adds to every document, holding the partition that
 *     owns it; a projection's documents must not use this name
 */
@Evolving
public record ElasticsearchViewSinkSettings(String positionsIndex, RefreshPolicy refresh, String ownerField) {

  /** When a bulk write becomes visible to search. */
  public enum RefreshPolicy {
    /** At the next periodic refresh (default, cheapest). */
    NONE,
    /** The bulk call returns once its writes are searchable. */
    WAIT_FOR,
    /** Refresh the touched shards at once; for tests only. */
    IMMEDIATE
  }

  /** @throws IllegalArgumentException if a name is empty */
  public ElasticsearchViewSinkSettings {
    Objects.requireNonNull(refresh, "refresh");
    if (positionsIndex.isEmpty()) {
      throw new IllegalArgumentException("positionsIndex must not be empty");
    }
    if (ownerField.isEmpty() || ownerField.startsWith("_")) {
      throw new IllegalArgumentException("ownerField must be a non-empty name not starting with '_', was '" + ownerField + "'");
    }
  }

  /** @return positions in {@code tributary-positions}, no forced refresh, owner field {@code tributary_partition} */
  public static ElasticsearchViewSinkSettings defaults() {
    return new ElasticsearchViewSinkSettings("tributary-positions", RefreshPolicy.NONE, "tributary_partition");
  }

  /** @return a copy with {@code positionsIndex} */
  public ElasticsearchViewSinkSettings withPositionsIndex(String positionsIndex) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField);
  }

  /** @return a copy with {@code refresh} */
  public ElasticsearchViewSinkSettings withRefresh(RefreshPolicy refresh) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField);
  }

  /** @return a copy with {@code ownerField} */
  public ElasticsearchViewSinkSettings withOwnerField(String ownerField) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField);
  }
}
