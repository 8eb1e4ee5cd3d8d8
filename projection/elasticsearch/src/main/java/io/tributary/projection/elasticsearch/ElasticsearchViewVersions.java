package io.tributary.projection.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.indices.update_aliases.Action;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.projection.elasticsearch.internal.Failures;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewVersions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@link ViewVersions} on Elasticsearch. Version {@code N} of a projection stores each of its logical
 * indices {@code posts} in the physical index {@code posts-vN} (written by an {@link
 * ElasticsearchViewSink} with {@link ElasticsearchViewSinkSettings#withIndexVersion}); readers query
 * the logical name, which is an alias of the live version's index.
 *
 * <p><b>The pointer is the aliases.</b> {@link #publish} moves the alias of every logical index of
 * the projection to the version's index in one {@code _aliases} request (each alias removed from the
 * index holding it and added to the new one), which Elasticsearch applies atomically: a reader's get
 * or search on the alias sees the old version or the new one, never both and never none. {@link
 * #live} reads the aliases back, so there is no second record that a crash could leave disagreeing
 * with what readers see.
 *
 * <p>The projections and their logical indices are given at construction. Every version of a
 * projection must have an index for each of them: adding a logical index in a new version makes the
 * older versions unpublishable (no rollback to them).
 *
 * <p>{@link #drop} deletes the version's indices and its position documents (those whose {@code
 * projection} is {@link ViewNames#positionsId}{@code (projection, N)}) in the positions index. The
 * deleted position documents leave tombstones for {@code index.gc_deletes} (60 s by default); a
 * dropped version written again within that time fails on its positions, so a rebuild uses a new
 * version number.
 *
 * <p>Publishing or dropping the same projection from two places at once is a caller's bug: the
 * aliases are read before they are moved.
 *
 * <p><b>Threading.</b> Thread-safe (the client is). The client stays the caller's.
 */
@Evolving
public final class ElasticsearchViewVersions implements ViewVersions {

  /** Position documents deleted per round; a projection has one per partition. */
  private static final int POSITIONS_PAGE = 1_000;

  private final ElasticsearchClient client;
  private final Map<String, Set<String>> logicalIndexes;
  private final String positionsIndex;

  /**
   * Versions whose position documents are in {@link ElasticsearchViewSinkSettings#defaults()}'s
   * positions index.
   *
   * @param logicalIndexes the logical indices of each projection, by projection name
   * @throws IllegalArgumentException if a projection has no logical index
   */
  public ElasticsearchViewVersions(ElasticsearchClient client, Map<String, Set<String>> logicalIndexes) {
    this(client, logicalIndexes, ElasticsearchViewSinkSettings.defaults().positionsIndex());
  }

  private ElasticsearchViewVersions(ElasticsearchClient client, Map<String, Set<String>> logicalIndexes,
      String positionsIndex) {
    this.client = Objects.requireNonNull(client, "client");
    Map<String, Set<String>> copy = new TreeMap<>();
    logicalIndexes.forEach((projection, indexes) -> {
      if (indexes.isEmpty()) {
        throw new IllegalArgumentException("Projection '" + projection + "' has no logical index; give the"
            + " indices its handler writes, or leave the projection out.");
      }
      copy.put(projection, Set.copyOf(new TreeSet<>(indexes)));
    });
    this.logicalIndexes = Map.copyOf(copy);
    this.positionsIndex = positionsIndex;
  }

  /** @return a copy whose {@link #drop} deletes position documents from {@code positionsIndex}, as the sinks' settings say */
  public ElasticsearchViewVersions withPositionsIndex(String positionsIndex) {
    if (positionsIndex.isEmpty()) {
      throw new IllegalArgumentException("positionsIndex must not be empty");
    }
    return new ElasticsearchViewVersions(client, logicalIndexes, positionsIndex);
  }

  /**
   * @return the live version: the version whose indices hold the aliases of every logical index of
   *     {@code projection}; empty if none of the aliases exists
   * @throws IllegalArgumentException if {@code projection} was not given at construction
   * @throws PermanentException if the aliases point at indices of different versions, or at an index
   *     that is not {@code <logical>-v<N>}, or some exist and others do not; publish a version to repair
   */
  @Override
  public OptionalInt live(String projection) {
    Map<String, String> holders = new TreeMap<>();
    for (String logical : logicalIndexes(projection)) {
      List<String> indices = aliasHolders(logical);
      if (indices.size() > 1) {
        throw new PermanentException("Alias '%s' of projection '%s' points at %d indices %s; publish one version to repair it."
            .formatted(logical, projection, indices.size(), indices));
      }
      if (!indices.isEmpty()) {
        holders.put(logical, indices.getFirst());
      }
    }
    if (holders.isEmpty()) {
      return OptionalInt.empty();
    }
    Set<Integer> versions = new TreeSet<>();
    for (Map.Entry<String, String> holder : holders.entrySet()) {
      versions.add(versionOf(projection, holder.getKey(), holder.getValue()));
    }
    if (versions.size() > 1 || holders.size() < logicalIndexes(projection).size()) {
      throw new PermanentException(("The aliases of projection '%s' disagree: %s (logical index -> physical index, of %s);"
          + " publish one version to point them all at it.").formatted(projection, holders, logicalIndexes(projection)));
    }
    return OptionalInt.of(versions.iterator().next());
  }

  /**
   * @throws PermanentException if an index of {@code version} does not exist (naming it: start the
   *     version's runner, which creates its indices, before publishing), or a logical name is a
   *     concrete index rather than an alias
   */
  @Override
  public void publish(String projection, int version) {
    checkVersion(projection, version);
    List<Action> actions = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String logical : logicalIndexes(projection)) {
      String target = ViewNames.elasticsearchIndex(logical, version);
      if (!indexExists(target)) {
        missing.add(target);
        continue;
      }
      for (String holder : aliasHolders(logical)) {
        if (!holder.equals(target)) {
          actions.add(Action.of(a -> a.remove(r -> r.index(holder).alias(logical))));
        }
      }
      actions.add(Action.of(a -> a.add(add -> add.index(target).alias(logical))));
    }
    if (!missing.isEmpty()) {
      throw new PermanentException(("Cannot publish version %d of projection '%s': its indices %s do not exist."
          + " Start the version's runner (its sink creates them) and let it catch up before publishing.")
          .formatted(version, projection, missing));
    }
    try {
      client.indices().updateAliases(u -> u.actions(actions));
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map("moving the aliases " + logicalIndexes(projection) + " of projection '" + projection
          + "' to version " + version, e);
    }
  }

  @Override
  public void drop(String projection, int version) {
    checkVersion(projection, version);
    OptionalInt live = live(projection);
    if (live.isPresent() && live.getAsInt() == version) {
      throw new IllegalStateException(("Version %d of projection '%s' is live, so readers would lose their views;"
          + " publish another version first, then drop %d.").formatted(version, projection, version));
    }
    List<String> indices = logicalIndexes(projection).stream()
        .map(logical -> ViewNames.elasticsearchIndex(logical, version)).toList();
    String positionsId = ViewNames.positionsId(projection, version);
    try {
      client.indices().delete(d -> d.index(indices).ignoreUnavailable(true));
      if (!indexExists(positionsIndex)) {
        return;
      }
      deletePositions(projection, version, positionsId);
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map("dropping version " + version + " of projection '" + projection + "' (indices " + indices
          + ", positions " + positionsId + " in " + positionsIndex + ")", e);
    }
  }

  /**
   * Deletes the position documents of {@code positionsId}, one per partition, by search and bulk
   * delete (delete-by-query is a module that not every node has). Each round deletes what it found,
   * so the loop ends.
   */
  private void deletePositions(String projection, int version, String positionsId) throws IOException {
    while (true) {
      // position documents written since the last refresh are not yet visible to search
      client.indices().refresh(r -> r.index(positionsIndex));
      SearchResponse<Void> found = client.search(s -> s.index(positionsIndex).size(POSITIONS_PAGE).source(c -> c.fetch(false))
          .query(q -> q.term(t -> t.field("projection").value(positionsId))), Void.class);
      List<String> ids = found.hits().hits().stream().map(Hit::id).filter(Objects::nonNull).toList();
      if (ids.isEmpty()) {
        return;
      }
      List<BulkOperation> deletes = ids.stream()
          .map(id -> BulkOperation.of(b -> b.delete(d -> d.index(positionsIndex).id(id)))).toList();
      BulkResponse response = client.bulk(b -> b.operations(deletes));
      List<String> failed = response.items().stream().filter(item -> item.error() != null)
          .map(item -> item.id() + ": HTTP " + item.status() + " " + Failures.describe(item.error())).toList();
      if (!failed.isEmpty()) {
        throw new PermanentException(("Deleting the positions of version %d of projection '%s' from %s failed for %s."
            + " If a runner of that version is still writing, close it; then drop again.")
            .formatted(version, projection, positionsIndex, failed));
      }
    }
  }

  private Set<String> logicalIndexes(String projection) {
    Set<String> indexes = logicalIndexes.get(projection);
    if (indexes == null) {
      throw new IllegalArgumentException("Projection '" + projection + "' has no logical indices here; known projections: "
          + logicalIndexes.keySet() + ". Add it to the map given to ElasticsearchViewVersions.");
    }
    return indexes;
  }

  private List<String> aliasHolders(String logical) {
    try {
      if (!client.indices().existsAlias(e -> e.name(logical)).value()) {
        return List.of();
      }
      return List.copyOf(new TreeSet<>(client.indices().getAlias(g -> g.name(logical)).aliases().keySet()));
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map("reading alias '" + logical + "'", e);
    }
  }

  private boolean indexExists(String index) {
    try {
      return client.indices().exists(e -> e.index(index)).value();
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map("checking that index '" + index + "' exists", e);
    }
  }

  private static int versionOf(String projection, String logical, String index) {
    String prefix = logical + "-v";
    String suffix = index.startsWith(prefix) ? index.substring(prefix.length()) : "";
    if (suffix.matches("[1-9][0-9]{0,8}")) {
      return Integer.parseInt(suffix);
    }
    throw new PermanentException(("Alias '%s' of projection '%s' points at index '%s', which is not a version's index"
        + " (%sN); it was set outside ElasticsearchViewVersions. Publish a version to repair it.")
        .formatted(logical, projection, index, prefix));
  }

  private static void checkVersion(String projection, int version) {
    if (version < 1) {
      throw new IllegalArgumentException("Version " + version + " of projection '" + projection
          + "' is not a projection version; versions start at 1.");
    }
  }
}
