package io.tributary.projection.elasticsearch;

import io.tributary.core.annotation.Evolving;
import io.tributary.projection.sink.ViewNames;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Settings of an {@link ElasticsearchViewSink}. Immutable; change one with a {@code withX} copy.
 *
 * @param positionsIndex the index holding one position document per (projection, partition)
 * @param refresh when written documents become visible to search
 * @param ownerField the top-level field the sink adds to every document, holding the partition that
 *     owns it; a projection's documents must not use this name
 * @param indexVersion the projection version the sink writes; when present, a logical index {@code
 *     posts} of the updates (and of {@link ElasticsearchViewSink#createIndex}) is stored in the
 *     physical index {@link ViewNames#elasticsearchIndex}{@code ("posts", version)}, {@code
 *     posts-v<version>}, and {@link ElasticsearchViewVersions} points the alias {@code posts} at the
 *     live one; when empty, index names are used as they are
 * @param maxBulkDocuments the most document writes in one bulk request; a batch with more is split
 *     into bulk requests of equal size
 * @param maxBulksInFlight how many bulk requests of one batch are on their way at once; more than
 *     one lets the node index them on several write threads while the sink encodes the next, but
 *     each request also syncs the translog, so on a small node one request per batch was as fast
 *     or faster. The position document is written only after all of them succeeded.
 */
@Evolving
public record ElasticsearchViewSinkSettings(String positionsIndex, RefreshPolicy refresh, String ownerField,
    OptionalInt indexVersion, int maxBulkDocuments, int maxBulksInFlight) {

  /** The default {@link #maxBulkDocuments()}. */
  public static final int DEFAULT_MAX_BULK_DOCUMENTS = 5_000;
  /** The default {@link #maxBulksInFlight()}. */
  public static final int DEFAULT_MAX_BULKS_IN_FLIGHT = 1;

  /** When a bulk write becomes visible to search. */
  public enum RefreshPolicy {
    /** At the next periodic refresh (default, cheapest). */
    NONE,
    /** The bulk call returns once its writes are searchable. */
    WAIT_FOR,
    /** Refresh the touched shards at once; for tests only. */
    IMMEDIATE
  }

  /**
   * @throws IllegalArgumentException if a name is empty, the index version is below 1, or a bulk
   *     bound is below 1
   */
  public ElasticsearchViewSinkSettings {
    Objects.requireNonNull(refresh, "refresh");
    Objects.requireNonNull(indexVersion, "indexVersion");
    if (indexVersion.isPresent() && indexVersion.getAsInt() < 1) {
      throw new IllegalArgumentException("indexVersion " + indexVersion.getAsInt()
          + " is not a projection version; versions start at 1");
    }
    if (maxBulkDocuments < 1 || maxBulksInFlight < 1) {
      throw new IllegalArgumentException("maxBulkDocuments (" + maxBulkDocuments + ") and maxBulksInFlight ("
          + maxBulksInFlight + ") must be at least 1; the defaults are " + DEFAULT_MAX_BULK_DOCUMENTS + " and "
          + DEFAULT_MAX_BULKS_IN_FLIGHT + ".");
    }
    if (positionsIndex.isEmpty()) {
      throw new IllegalArgumentException("positionsIndex must not be empty");
    }
    if (ownerField.isEmpty() || ownerField.startsWith("_")) {
      throw new IllegalArgumentException("ownerField must be a non-empty name not starting with '_', was '" + ownerField + "'");
    }
  }

  /** Settings with the default bulk bounds. */
  public ElasticsearchViewSinkSettings(String positionsIndex, RefreshPolicy refresh, String ownerField,
      OptionalInt indexVersion) {
    this(positionsIndex, refresh, ownerField, indexVersion, DEFAULT_MAX_BULK_DOCUMENTS, DEFAULT_MAX_BULKS_IN_FLIGHT);
  }

  /** Settings without an index version (index names are used as they are) and with the default bulk bounds. */
  public ElasticsearchViewSinkSettings(String positionsIndex, RefreshPolicy refresh, String ownerField) {
    this(positionsIndex, refresh, ownerField, OptionalInt.empty());
  }

  /**
   * @return positions in {@code tributary-positions}, no forced refresh, owner field {@code
   *     tributary_partition}, bulk requests of at most 5,000 documents, one at a time (so a batch
   *     of the runner's default size is one bulk request)
   */
  public static ElasticsearchViewSinkSettings defaults() {
    return new ElasticsearchViewSinkSettings("tributary-positions", RefreshPolicy.NONE, "tributary_partition");
  }

  /** @return a copy with {@code positionsIndex} */
  public ElasticsearchViewSinkSettings withPositionsIndex(String positionsIndex) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField, indexVersion, maxBulkDocuments,
        maxBulksInFlight);
  }

  /** @return a copy with {@code refresh} */
  public ElasticsearchViewSinkSettings withRefresh(RefreshPolicy refresh) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField, indexVersion, maxBulkDocuments,
        maxBulksInFlight);
  }

  /** @return a copy with {@code ownerField} */
  public ElasticsearchViewSinkSettings withOwnerField(String ownerField) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField, indexVersion, maxBulkDocuments,
        maxBulksInFlight);
  }

  /**
   * @return a copy that writes version {@code version} of the projection: logical index {@code posts}
   *     is stored in {@code posts-v<version>}
   * @throws IllegalArgumentException if {@code version} is below 1
   */
  public ElasticsearchViewSinkSettings withIndexVersion(int version) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField, OptionalInt.of(version), maxBulkDocuments,
        maxBulksInFlight);
  }

  /**
   * @return a copy that splits a batch into bulk requests of at most {@code maxBulkDocuments} writes
   *     and sends up to {@code maxBulksInFlight} of them at once
   * @throws IllegalArgumentException if either is below 1
   */
  public ElasticsearchViewSinkSettings withBulks(int maxBulkDocuments, int maxBulksInFlight) {
    return new ElasticsearchViewSinkSettings(positionsIndex, refresh, ownerField, indexVersion, maxBulkDocuments,
        maxBulksInFlight);
  }

  /** @return the physical index that logical index {@code logical} is written to with these settings */
  public String physicalIndex(String logical) {
    return indexVersion.isPresent() ? ViewNames.elasticsearchIndex(logical, indexVersion.getAsInt()) : logical;
  }
}
