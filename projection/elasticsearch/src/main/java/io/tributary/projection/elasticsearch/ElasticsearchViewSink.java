package io.tributary.projection.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.elasticsearch.internal.Failures;
import io.tributary.projection.elasticsearch.internal.JsonText;
import io.tributary.projection.elasticsearch.internal.OwnedTransport;
import io.tributary.projection.elasticsearch.internal.RawBulk;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.DeleteDocument;
import io.tributary.projection.sink.ViewUpdate.DocumentUpdate;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.internal.BatchChecks;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.hc.core5.http.HttpHost;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ViewSink} on Elasticsearch. Applies {@link PutDocument} (create or replace a JSON
 * document) and {@link DeleteDocument}.
 *
 * <p><b>Versioning.</b> Every document write is a bulk item with {@code version_type=external} and
 * {@code version = source offset}, so Elasticsearch itself refuses to overwrite a document with an
 * older event: that version conflict is the expected "already applied" case, not an error. After
 * the bulk succeeded, the sink writes the position document {@code <projection>/<partition>} in
 * {@link ElasticsearchViewSinkSettings#positionsIndex()} (versioned by offset with {@code
 * external_gte}, so it never moves back). A crash between the two leaves the position behind the documents; the replay that
 * follows is refused document by document by the versions and then moves the position on. Entries
 * at or below the held position are not even sent, which also keeps deleted documents deleted
 * after Elasticsearch forgot their tombstones ({@code index.gc_deletes}, 60 s by default).
 *
 * <p><b>Versions.</b> With {@link ElasticsearchViewSinkSettings#withIndexVersion} the sink writes
 * logical index {@code posts} of the updates into {@code posts-v<version>}, so a rebuilt version
 * fills its own indices beside the live ones; {@link ElasticsearchViewVersions} moves the aliases.
 *
 * <p><b>Restriction: one partition owns a document.</b> Offsets of different partitions are not
 * comparable, so a document must only ever be written from one partition (key documents by the
 * aggregate id that the events partitioner used). The sink adds the top-level field {@link
 * ElasticsearchViewSinkSettings#ownerField()} (the partition) to every document, and when a write
 * is refused as a version conflict it reads the stored owner: a different partition is a {@link
 * PermanentException} naming the document and both partitions. A write from another partition with
 * a higher offset is not refused by Elasticsearch and is therefore not detected.
 *
 * <p><b>One write per document and batch.</b> Updates of one batch that target the same document
 * are collapsed to the newest one, with that update's offset as its version: all kinds replace the
 * whole document, so the older writes would only be overwritten, and two writes of one entry would
 * share an external version and conflict. A replay of the batch sends the same newest writes, which
 * the versions refuse. The documents of a batch go to Elasticsearch as bulk requests of raw JSON bytes
 * (at most {@link ElasticsearchViewSinkSettings#maxBulkDocuments()} each, up to {@link
 * ElasticsearchViewSinkSettings#maxBulksInFlight()} at once), whose answers are trimmed to each
 * item's status and error; the position document follows once all of them succeeded.
 *
 * <p><b>Errors.</b> Bulk items that fail with 429, 502, 503 or 504 make the call a {@link
 * TransientException}; any other failed item (mapping conflict, malformed JSON) a {@link
 * PermanentException} naming the index, id and offset. The position does not move in either case.
 *
 * <p><b>JSON.</b> The convenience {@link #connect} uses {@link JacksonJsonpMapper} (Jackson 2, the
 * version pinned by the parent's BOM, declared by this module); documents travel as raw JSON bytes,
 * so no mapper touches them.
 *
 * <p><b>Threading.</b> Thread-safe (the client is); one writer per (projection, partition), as
 * {@link ViewSink} requires.
 */
@Evolving
public final class ElasticsearchViewSink implements ViewSink {

  private static final Set<Class<? extends ViewUpdate>> SUPPORTED = Set.of(PutDocument.class, DeleteDocument.class);
  private static final String POSITIONS_MAPPING = """
      {"dynamic":"strict","properties":{"projection":{"type":"keyword"},"partition":{"type":"integer"},"offset":{"type":"long"}}}""";

  private final ElasticsearchClient client;
  private final @Nullable Rest5ClientTransport ownedTransport;
  private final ElasticsearchViewSinkSettings settings;

  private ElasticsearchViewSink(ElasticsearchClient client, @Nullable Rest5ClientTransport ownedTransport,
      ElasticsearchViewSinkSettings settings) {
    this.client = client;
    this.ownedTransport = ownedTransport;
    this.settings = settings;
  }

  /**
   * Connects to the node at {@code httpUri} (for example {@code http://127.0.0.1:9200}) and creates
   * the positions index if it is missing; {@link #close()} closes the connection.
   *
   * @throws TransientException if the node cannot be reached
   */
  public static ElasticsearchViewSink connect(URI httpUri, ElasticsearchViewSinkSettings settings) {
    Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost(httpUri.getScheme(), httpUri.getHost(), httpUri.getPort())).build(),
        new JacksonJsonpMapper());
    ElasticsearchViewSink sink = new ElasticsearchViewSink(new ElasticsearchClient(transport), transport, settings);
    try {
      sink.ensureIndex(settings.positionsIndex(), POSITIONS_MAPPING);
      return sink;
    } catch (RuntimeException e) {
      try {
        sink.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  /**
   * Uses a client the caller owns (and closes), and creates the positions index if it is missing.
   *
   * @throws TransientException if the node cannot be reached
   */
  public static ElasticsearchViewSink over(ElasticsearchClient client, ElasticsearchViewSinkSettings settings) {
    ElasticsearchViewSink sink = new ElasticsearchViewSink(Objects.requireNonNull(client, "client"), null, settings);
    sink.ensureIndex(settings.positionsIndex(), POSITIONS_MAPPING);
    return sink;
  }

  /**
   * Creates index {@code name} with {@code mappingJson} (the {@code mappings} object, e.g. {@code
   * {"properties":{"title":{"type":"text"}}}}), or, if it exists, applies the mapping to it, which
   * changes nothing when the mapping is the same. Safe to call on every start. With an {@link
   * ElasticsearchViewSinkSettings#indexVersion()}, {@code name} is the logical index and the
   * version's physical index ({@code <name>-v<version>}) is created.
   *
   * @throws PermanentException if the mapping is invalid or conflicts with the existing one
   * @throws TransientException if the node cannot be reached
   */
  public void createIndex(String name, String mappingJson) {
    ensureIndex(settings.physicalIndex(name), mappingJson);
  }

  private void ensureIndex(String name, String mappingJson) {
    String what = "creating index '" + name + "'";
    try {
      boolean exists = client.indices().exists(e -> e.index(name)).value();
      if (!exists) {
        try {
          client.indices().create(c -> c.index(name).mappings(m -> m.withJson(new StringReader(mappingJson))));
          return;
        } catch (ElasticsearchException e) {
          if (e.error() == null || !"resource_already_exists_exception".equals(e.error().type())) {
            throw e;
          }
          // created concurrently by another instance: fall through and check its mapping
        }
      }
      client.indices().putMapping(p -> p.index(name).withJson(new StringReader(mappingJson)));
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map(what + " with mapping " + mappingJson, e);
    }
  }

  @Override
  public void apply(String projection, int partition, List<SourcedUpdates> batch) {
    BatchChecks.check("ElasticsearchViewSink", SUPPORTED, projection, partition, batch);
    OptionalLong held = position(projection, partition);
    List<SourcedUpdates> newer = batch.stream()
        .filter(entry -> held.isEmpty() || entry.source().offset() > held.getAsLong())
        .toList();
    if (newer.isEmpty()) {
      return;
    }
    // all kinds replace the whole document, so only the newest write of each document in the batch
    // matters: the older ones would be overwritten (or refused by its version) anyway
    Map<String, RawBulk.Item> newestPerDocument = new LinkedHashMap<>();
    for (SourcedUpdates entry : newer) {
      long offset = entry.source().offset();
      for (ViewUpdate update : entry.updates()) {
        RawBulk.Item item = item((DocumentUpdate) update, partition, offset);
        String key = item.index() + "\u0000" + item.id();
        newestPerDocument.remove(key);
        newestPerDocument.put(key, item);
      }
    }
    long last = newer.getLast().source().offset();
    String where = "projection '%s' partition %d offsets %d..%d".formatted(
        projection, partition, newer.getFirst().source().offset(), last);
    if (!newestPerDocument.isEmpty()) {
      List<RawBulk.Item> items = List.copyOf(newestPerDocument.values());
      List<RawBulk.Outcome> outcomes;
      try {
        outcomes = RawBulk.send(client._transport(), client._transportOptions(), items, refresh(),
            settings.maxBulkDocuments(), settings.maxBulksInFlight());
      } catch (ElasticsearchException | IOException e) {
        throw Failures.map("the bulk write of " + where, e);
      }
      if (!outcomes.isEmpty()) {
        checkItems(where, partition, items, outcomes);
      }
    }
    writePosition(projection, partition, last);
  }

  @Override
  public OptionalLong position(String projection, int partition) {
    try {
      GetResponse<ObjectNode> response = client.get(
          g -> g.index(settings.positionsIndex()).id(positionId(projection, partition)), ObjectNode.class);
      ObjectNode source = response.source();
      if (!response.found() || source == null) {
        return OptionalLong.empty();
      }
      JsonNode offset = source.get("offset");
      if (offset == null || !offset.canConvertToLong()) {
        throw new PermanentException("Position document %s/%s holds %s, not an offset; delete it to rebuild the partition's views from the start."
            .formatted(settings.positionsIndex(), positionId(projection, partition), source));
      }
      return OptionalLong.of(offset.asLong());
    } catch (ElasticsearchException | IOException e) {
      throw Failures.map("reading the position of projection '" + projection + "' partition " + partition, e);
    }
  }

  @Override
  public Set<Class<? extends ViewUpdate>> supports() {
    return SUPPORTED;
  }

  /** @return the settings this sink writes with */
  public ElasticsearchViewSinkSettings settings() {
    return settings;
  }

  @Override
  public void close() {
    OwnedTransport.close(ownedTransport, "Elasticsearch view sink");
  }

  private RawBulk.Item item(DocumentUpdate update, int partition, long offset) {
    return switch (update) {
      case PutDocument put -> new RawBulk.Item(settings.physicalIndex(put.index()), put.id(), offset,
          withOwner(put, partition, offset).getBytes(StandardCharsets.UTF_8));
      case DeleteDocument delete -> new RawBulk.Item(settings.physicalIndex(delete.index()), delete.id(), offset, null);
    };
  }

  /** Adds the owner field as the first field of the document's JSON object. */
  private String withOwner(PutDocument put, int partition, long offset) {
    String json = put.json().strip();
    if (!json.startsWith("{") || !json.endsWith("}")) {
      throw new PermanentException("Document %s/%s at offset %d is not a JSON object: %s. A PutDocument holds one JSON object."
          .formatted(put.index(), put.id(), offset, abbreviate(json)));
    }
    String body = json.substring(1).strip();
    String owner = "{\"" + settings.ownerField() + "\":" + partition;
    return body.equals("}") ? owner + "}" : owner + "," + body;
  }

  private void checkItems(String where, int partition, List<RawBulk.Item> items, List<RawBulk.Outcome> outcomes) {
    List<String> permanent = new ArrayList<>();
    List<String> transients = new ArrayList<>();
    List<RawBulk.Item> conflicts = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      RawBulk.Outcome outcome = outcomes.get(i);
      if (outcome.errorType() == null) {
        continue;
      }
      RawBulk.Item item = items.get(i);
      String document = "%s/%s (offset %d)".formatted(item.index(), item.id(), item.version());
      if (outcome.status() == 409 && "version_conflict_engine_exception".equals(outcome.errorType())) {
        conflicts.add(item);
      } else if (Failures.isTransientStatus(outcome.status())) {
        transients.add(document + ": HTTP " + outcome.status() + " " + outcome.error());
      } else {
        permanent.add(document + ": HTTP " + outcome.status() + " " + outcome.error());
      }
    }
    if (permanent.isEmpty()) {
      permanent.addAll(foreignOwners(partition, conflicts));
    }
    if (!permanent.isEmpty()) {
      throw new PermanentException("Elasticsearch rejected %d document(s) of %s: %s. Fix the projection or the index mapping, then restart the partition; the position did not move."
          .formatted(permanent.size(), where, String.join("; ", permanent)));
    }
    if (!transients.isEmpty()) {
      throw new TransientException("Elasticsearch pushed back on %d document(s) of %s: %s. The runner retries the batch; documents already written are refused by their versions."
          .formatted(transients.size(), where, String.join("; ", transients)));
    }
  }

  /** @return a problem per refused document that another partition owns */
  private List<String> foreignOwners(int partition, List<RawBulk.Item> conflicts) {
    List<String> problems = new ArrayList<>();
    for (RawBulk.Item item : conflicts) {
      String index = item.index();
      String id = item.id();
      GetResponse<ObjectNode> stored;
      try {
        stored = client.get(g -> g.index(index).id(id).sourceIncludes(settings.ownerField()), ObjectNode.class);
      } catch (ElasticsearchException | IOException e) {
        throw Failures.map("checking the owner of document " + index + "/" + id, e);
      }
      ObjectNode source = stored.source();
      JsonNode owner = source == null ? null : source.get(settings.ownerField());
      if (owner != null && owner.canConvertToInt() && owner.asInt() != partition) {
        problems.add("%s/%s is owned by partition %d (at offset %d) and was written from partition %d; a document must be written from one partition only, so key it by the id the events are partitioned by"
            .formatted(index, id, owner.asInt(), stored.version(), partition));
      }
    }
    return problems;
  }

  private void writePosition(String projection, int partition, long offset) {
    String id = positionId(projection, partition);
    String json = "{\"projection\":%s,\"partition\":%d,\"offset\":%d}".formatted(JsonText.quote(projection), partition, offset);
    try {
      // external_gte: rewriting the same offset succeeds (also over a tombstone), an older one never does
      client.index(i -> i.index(settings.positionsIndex()).id(id).version(offset).versionType(VersionType.ExternalGte)
          .withJson(new StringReader(json)));
    } catch (ElasticsearchException e) {
      if (e.status() == 409) {
        OptionalLong stored = position(projection, partition);
        if (stored.isPresent() && stored.getAsLong() >= offset) {
          return; // the stored position is already at or beyond this offset: nothing to move
        }
        throw new PermanentException(("Position document %s/%s refused offset %d but holds %s: it was deleted or"
            + " written outside the sink, and its version is now ahead of the offsets. Delete it with"
            + " version_type=external_gte at version 0 or rebuild the projection.").formatted(
            settings.positionsIndex(), id, offset, stored.isPresent() ? "offset " + stored.getAsLong() : "nothing"), e);
      }
      throw Failures.map("writing position " + offset + " of projection '" + projection + "' partition " + partition, e);
    } catch (IOException e) {
      throw Failures.map("writing position " + offset + " of projection '" + projection + "' partition " + partition, e);
    }
  }

  private String refresh() {
    return switch (settings.refresh()) {
      case NONE -> "false";
      case WAIT_FOR -> "wait_for";
      case IMMEDIATE -> "true";
    };
  }

  private static String positionId(String projection, int partition) {
    return projection + "/" + partition;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
