package io.tributary.projection.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.core.error.TributaryException;
import io.tributary.projection.elasticsearch.internal.Failures;
import io.tributary.projection.elasticsearch.internal.OwnedTransport;
import io.tributary.projection.sink.ViewNames;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hc.core5.http.HttpHost;
import org.jspecify.annotations.Nullable;

/**
 * Reads the documents and positions an {@link ElasticsearchViewSink} wrote. Documents are read
 * through the logical index name, which is an alias of the live version's index ({@link
 * ViewNames#elasticsearchIndex}), so a reader follows a rebuild's flip without knowing versions;
 * positions are read per version from the positions index.
 *
 * <p>Documents come back as the projection wrote them: the sink's owner field ({@link
 * ElasticsearchViewSinkSettings#ownerField()}) is removed.
 *
 * <p><b>Visibility.</b> {@link #document} and {@link #position} are real-time (they see every
 * acknowledged write). {@link #search} and {@link #positions} search, which sees writes after the
 * next refresh; a sink with {@link ElasticsearchViewSinkSettings.RefreshPolicy#WAIT_FOR} makes its
 * documents searchable before it moves its position, so a position read with {@link #position}
 * is a lower bound of what a search then finds.
 *
 * <p><b>Errors</b>, as the sink maps them: {@link TransientException} if the node cannot be
 * reached or pushes back (429, 502, 503, 504); {@link PermanentException} for a refused request
 * (an index or alias that does not exist, a bad field).
 *
 * <p><b>Threading.</b> Thread-safe (the client is).
 */
@Evolving
public final class ElasticsearchViewReader implements AutoCloseable {

  /** The largest number of partitions {@link #positions} returns; far above any partition count in use. */
  public static final int MAX_PARTITIONS = 10_000;

  private final ElasticsearchClient client;
  private final @Nullable Rest5ClientTransport ownedTransport;
  private final ElasticsearchViewSinkSettings settings;

  private ElasticsearchViewReader(ElasticsearchClient client, @Nullable Rest5ClientTransport ownedTransport,
      ElasticsearchViewSinkSettings settings) {
    this.client = client;
    this.ownedTransport = ownedTransport;
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Reads through a client the caller owns (and closes).
   *
   * @param settings the settings the sinks write with: the positions index and the owner field
   */
  public static ElasticsearchViewReader over(ElasticsearchClient client, ElasticsearchViewSinkSettings settings) {
    return new ElasticsearchViewReader(Objects.requireNonNull(client, "client"), null, settings);
  }

  /** Connects to the node at {@code httpUri}; {@link #close()} closes the connection. */
  public static ElasticsearchViewReader connect(URI httpUri, ElasticsearchViewSinkSettings settings) {
    Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost(httpUri.getScheme(), httpUri.getHost(), httpUri.getPort())).build(),
        new JacksonJsonpMapper());
    return new ElasticsearchViewReader(new ElasticsearchClient(transport), transport, settings);
  }

  /**
   * One search hit.
   *
   * @param id the document id
   * @param score its relevance score (0 when the search does not score)
   * @param json the document as the projection wrote it
   */
  public record SearchHit(String id, double score, String json) {
    public SearchHit {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(json, "json");
    }
  }

  /**
   * @param logicalIndex the logical index name (the alias of the live version's index)
   * @return the document's JSON object; empty if no such document exists
   * @throws PermanentException if the alias or index does not exist (the projection was not
   *     published, or the name is wrong)
   */
  public Optional<String> document(String logicalIndex, String id) {
    requireText("logicalIndex", logicalIndex);
    requireText("id", id);
    try {
      GetResponse<ObjectNode> response = client.get(g -> g.index(logicalIndex).id(id), ObjectNode.class);
      ObjectNode source = response.source();
      return response.found() && source != null ? Optional.of(withoutOwner(source)) : Optional.empty();
    } catch (ElasticsearchException | IOException e) {
      throw failure("reading document " + id + " of '" + logicalIndex + "'", e);
    }
  }

  /**
   * Full-text search: a {@code multi_match} query of {@code text} over {@code fields}.
   *
   * @param fields the fields to match, e.g. {@code ["title^2", "body"]}; empty matches every field
   * @param from the number of hits to skip, {@code >= 0}
   * @param size the number of hits to return, {@code 0..10000}
   * @return the hits in score order
   * @throws IllegalArgumentException if {@code from} or {@code size} is out of range
   * @throws PermanentException if the alias or index does not exist or a field cannot be searched
   */
  public List<SearchHit> search(String logicalIndex, String text, List<String> fields, int from, int size) {
    requireText("logicalIndex", logicalIndex);
    Objects.requireNonNull(text, "text");
    List<String> searched = List.copyOf(fields);
    if (from < 0) {
      throw new IllegalArgumentException("from must be >= 0, was " + from);
    }
    if (size < 0 || size > 10_000) {
      throw new IllegalArgumentException("size must be within 0..10000 (Elasticsearch's result window), was " + size);
    }
    try {
      SearchResponse<ObjectNode> response = client.search(s -> s.index(logicalIndex).from(from).size(size)
          .query(q -> q.multiMatch(m -> m.query(text).fields(searched))), ObjectNode.class);
      return response.hits().hits().stream().map(this::hit).toList();
    } catch (ElasticsearchException | IOException e) {
      throw failure("searching '" + logicalIndex + "' for \"" + text + "\" in " + searched, e);
    }
  }

  /**
   * The positions the sink of {@code version} holds, found by a search of the positions index: a
   * write since the last refresh may not be seen yet; use {@link #position} for a real-time read.
   *
   * @return partition to the offset of the last applied event, sorted; empty if nothing was applied
   */
  public SortedMap<Integer, Long> positions(String projection, int version) {
    String id = ViewNames.positionsId(projection, version);
    SortedMap<Integer, Long> positions = new TreeMap<>();
    try {
      SearchResponse<ObjectNode> response = client.search(s -> s.index(settings.positionsIndex()).size(MAX_PARTITIONS)
          .query(q -> q.term(t -> t.field("projection").value(FieldValue.of(id)))), ObjectNode.class);
      for (Hit<ObjectNode> hit : response.hits().hits()) {
        ObjectNode source = hit.source();
        JsonNode partition = source == null ? null : source.get("partition");
        positions.put(partition == null ? -1 : partition.asInt(), offset(hit.id(), source));
      }
    } catch (ElasticsearchException e) {
      if (isIndexMissing(e)) {
        return positions; // no sink has written a position yet
      }
      throw failure("searching the positions of " + id, e);
    } catch (IOException e) {
      throw failure("searching the positions of " + id, e);
    }
    return positions;
  }

  /**
   * @return the offset of the last event from {@code partition} the sink of {@code version} applied,
   *     read in real time; empty if none
   */
  public OptionalLong position(String projection, int version, int partition) {
    String documentId = ViewNames.positionsId(projection, version) + "/" + partition;
    try {
      GetResponse<ObjectNode> response = client.get(
          g -> g.index(settings.positionsIndex()).id(documentId), ObjectNode.class);
      ObjectNode source = response.source();
      return response.found() && source != null ? OptionalLong.of(offset(documentId, source)) : OptionalLong.empty();
    } catch (ElasticsearchException e) {
      if (isIndexMissing(e)) {
        return OptionalLong.empty();
      }
      throw failure("reading position " + documentId, e);
    } catch (IOException e) {
      throw failure("reading position " + documentId, e);
    }
  }

  /** @return the client this reader reads through, e.g. for an {@link ElasticsearchViewVersions} on the same node */
  public ElasticsearchClient client() {
    return client;
  }

  /** @return the settings this reader reads with */
  public ElasticsearchViewSinkSettings settings() {
    return settings;
  }

  /** Closes the connection {@link #connect} opened; a client passed to {@link #over} stays open. */
  @Override
  public void close() {
    OwnedTransport.close(ownedTransport, "Elasticsearch view reader");
  }

  private SearchHit hit(Hit<ObjectNode> hit) {
    ObjectNode source = hit.source();
    Double score = hit.score();
    return new SearchHit(Objects.requireNonNull(hit.id(), "hit without id"), score == null ? 0 : score,
        source == null ? "{}" : withoutOwner(source));
  }

  private String withoutOwner(ObjectNode source) {
    ObjectNode copy = source.deepCopy();
    copy.remove(settings.ownerField());
    return copy.toString();
  }

  private long offset(String documentId, @Nullable ObjectNode source) {
    JsonNode offset = source == null ? null : source.get("offset");
    if (offset == null || !offset.canConvertToLong()) {
      throw new PermanentException("Position document %s/%s holds %s, not an offset; delete it to rebuild the partition's views from the start."
          .formatted(settings.positionsIndex(), documentId, source));
    }
    return offset.asLong();
  }

  private static boolean isIndexMissing(ElasticsearchException e) {
    return e.status() == 404 && e.error() != null && "index_not_found_exception".equals(e.error().type());
  }

  private static TributaryException failure(String what, Exception e) {
    if (e instanceof ElasticsearchException es && !Failures.isTransientStatus(es.status())) {
      String hint = isIndexMissing(es)
          ? "the index or alias does not exist: check the name, and that the projection's version was published"
          : "check the index, the fields and the mapping";
      return new PermanentException("Elasticsearch refused " + what + " (HTTP " + es.status() + ", "
          + Failures.describe(es.error()) + "); " + hint + ".", e);
    }
    return Failures.map(what, e);
  }

  private static void requireText(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }
}
