package io.tributary.projection.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings.RefreshPolicy;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewSinkContractTest;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.DeleteDocument;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithDevServices
class ElasticsearchViewSinkIT extends ViewSinkContractTest {

  private static final String MAPPING = """
      {"properties":{"value":{"type":"keyword"},"count":{"type":"long"}}}""";

  private Rest5ClientTransport transport;
  private ElasticsearchClient elasticsearch;
  private URI uri;
  private String index = "";
  private ElasticsearchViewSinkSettings settings = ElasticsearchViewSinkSettings.defaults();

  @BeforeEach
  void connect(ElasticsearchEndpoint endpoint) {
    uri = endpoint.httpUri();
    transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", endpoint.host(), endpoint.port())).build(), new JacksonJsonpMapper());
    elasticsearch = new ElasticsearchClient(transport);
    index = "it-" + UUID.randomUUID();
    settings = ElasticsearchViewSinkSettings.defaults().withPositionsIndex("it-positions").withRefresh(RefreshPolicy.IMMEDIATE);
    try (ElasticsearchViewSink sink = ElasticsearchViewSink.connect(uri, settings)) {
      sink.createIndex(index, MAPPING);
    }
  }

  @AfterEach
  void disconnect() throws IOException {
    transport.close();
  }

  @Override
  protected ViewSink openSink() {
    return ElasticsearchViewSink.connect(uri, settings);
  }

  @Override
  protected ViewUpdate put(String id, String value) {
    return new PutDocument(index, id, "{\"value\":\"" + value + "\"}");
  }

  @Override
  protected Optional<String> readBack(String id) {
    return document(index, id).map(source -> source.get("value").asText());
  }

  @Override
  protected ViewUpdate unsupported(String id) {
    return new PutValue(id, "not a document");
  }

  private Optional<ObjectNode> document(String index, String id) {
    try {
      GetResponse<ObjectNode> response = elasticsearch.get(g -> g.index(index).id(id), ObjectNode.class);
      return response.found() ? Optional.ofNullable(response.source()) : Optional.empty();
    } catch (IOException e) {
      throw new AssertionError("reading " + index + "/" + id, e);
    }
  }

  @Test
  void documentsCarryTheirOffsetAsVersionAndTheirOwner() throws IOException {
    ViewSink sink = sink();
    sink.apply(projection, 4, List.of(SourcedUpdates.of(4, 0, put("a", "at zero")),
        SourcedUpdates.of(4, 17, new PutDocument(index, "b", " { } "))));

    GetResponse<ObjectNode> a = elasticsearch.get(g -> g.index(index).id("a"), ObjectNode.class);
    assertThat(a.version()).isZero();
    assertThat(a.source().get("tributary_partition").asInt()).isEqualTo(4);
    assertThat(elasticsearch.get(g -> g.index(index).id("b"), ObjectNode.class).version()).isEqualTo(17);
    assertThat(sink.position(projection, 4)).hasValue(17);
  }

  @Test
  void versionConflictFromAnOlderOffsetIsSkipped() throws IOException {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 5, put("a", "v5"))));
    // a crash after a bulk up to offset 10 and before its position document: "a" is ahead of the position
    elasticsearch.index(i -> i.index(index).id("a").version(10L).versionType(VersionType.External)
        .withJson(new StringReader("{\"tributary_partition\":0,\"value\":\"v10\"}")));
    assertThat(sink.position(projection, 0)).hasValue(5);

    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 5, put("a", "v5")),
        SourcedUpdates.of(0, 7, put("a", "v7")),
        SourcedUpdates.of(0, 10, put("a", "v10"))));

    assertThat(readBack("a")).contains("v10");
    assertThat(sink.position(projection, 0)).hasValue(10);
  }

  @Test
  void positionDocumentChangedOutsideTheSinkIsPermanent() throws IOException {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 10, put("a", "v10"))));
    // an internal delete leaves a tombstone at version 11, ahead of the offsets
    elasticsearch.delete(d -> d.index(settings.positionsIndex()).id(projection + "/0"));

    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 10, put("a", "v10")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(projection + "/0 refused offset 10 but holds nothing");
    assertThat(readBack("a")).contains("v10");
  }

  @Test
  void mappingConflictIsPermanentAndNamesTheDocument() {
    ViewSink sink = sink();
    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(
            SourcedUpdates.of(0, 1, put("fine", "ok")),
            SourcedUpdates.of(0, 2, new PutDocument(index, "bad-count", "{\"count\":\"many\"}")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(index + "/bad-count (offset 2)")
        .hasMessageContaining("document_parsing_exception");
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void malformedJsonIsPermanent() {
    ViewSink sink = sink();
    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 1, new PutDocument(index, "x", "[1,2]")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(index + "/x")
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 1, new PutDocument(index, "y", "{\"value\": }")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(index + "/y");
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void documentWrittenFromTwoPartitionsIsAConflict() {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 10, put("shared", "from partition 0"))));

    assertThatThrownBy(() -> sink.apply(projection, 1, List.of(SourcedUpdates.of(1, 3, put("shared", "from partition 1")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(index + "/shared is owned by partition 0")
        .hasMessageContaining("written from partition 1");
    assertThat(sink.position(projection, 1)).isEmpty();
  }

  @Test
  void deletedDocumentsStayDeletedOnReplay() {
    ViewSink sink = sink();
    List<SourcedUpdates> batch = List.of(
        SourcedUpdates.of(0, 1, put("a", "created")),
        SourcedUpdates.of(0, 2, new DeleteDocument(index, "a"), new DeleteDocument(index, "never-there")),
        SourcedUpdates.of(0, 3, put("b", "created"), new DeleteDocument(index, "b"), put("b", "recreated")));
    sink.apply(projection, 0, batch);
    sink.apply(projection, 0, batch);

    assertThat(readBack("a")).isEmpty();
    assertThat(readBack("b")).contains("recreated");
    assertThat(sink.position(projection, 0)).hasValue(3);
  }

  @Test
  void writesOnlyTheNewestUpdateOfEachDocumentInABatch() throws IOException {
    ViewSink sink = sink();
    List<SourcedUpdates> batch = List.of(
        SourcedUpdates.of(0, 1, put("a", "v1")),
        SourcedUpdates.of(0, 2, put("a", "v2"), put("b", "v2")),
        SourcedUpdates.of(0, 3, new DeleteDocument(index, "b")),
        SourcedUpdates.of(0, 4, put("a", "v4")));
    sink.apply(projection, 0, batch);
    sink.apply(projection, 0, batch);

    assertThat(elasticsearch.get(g -> g.index(index).id("a"), ObjectNode.class).version()).isEqualTo(4);
    assertThat(readBack("a")).contains("v4");
    assertThat(readBack("b")).isEmpty();
    assertThat(sink.position(projection, 0)).hasValue(4);
    // one index and one delete operation reached the index: a at offset 4, b at offset 3
    var indexing = elasticsearch.indices().stats(st -> st.index(index)).indices().get(index).primaries().indexing();
    assertThat(indexing.indexTotal()).isEqualTo(1);
    assertThat(indexing.deleteTotal()).isEqualTo(1);
  }

  @Test
  void batchSplitIntoBulksInFlightWritesEveryDocumentAndNamesTheRefusedOne() {
    settings = settings.withBulks(2, 3);
    ViewSink sink = sink();
    List<SourcedUpdates> batch = new ArrayList<>();
    for (int offset = 0; offset < 9; offset++) {
      batch.add(SourcedUpdates.of(0, offset, put("d" + offset, "v" + offset)));
    }
    sink.apply(projection, 0, batch);

    for (int offset = 0; offset < 9; offset++) {
      assertThat(readBack("d" + offset)).contains("v" + offset);
    }
    assertThat(sink.position(projection, 0)).hasValue(8);

    List<SourcedUpdates> refused = new ArrayList<>();
    for (int offset = 9; offset < 16; offset++) {
      refused.add(SourcedUpdates.of(0, offset, offset == 14
          ? new PutDocument(index, "bad", "{\"count\":\"many\"}")
          : put("d" + offset, "v" + offset)));
    }
    assertThatThrownBy(() -> sink.apply(projection, 0, refused))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("1 document(s)")
        .hasMessageContaining(index + "/bad (offset 14)");
    assertThat(sink.position(projection, 0)).hasValue(8);
  }

  @Test
  void documentsSpanningSeveralLinesAreWrittenWhole() {
    sink().apply(projection, 0, List.of(SourcedUpdates.of(0, 1,
        new PutDocument(index, "multi\"line", "{\n  \"value\": \"grün\",\r\n  \"count\": 2\n}"))));

    JsonNode source = document(index, "multi\"line").orElseThrow();
    assertThat(source.get("value").asText()).isEqualTo("grün");
    assertThat(source.get("count").asLong()).isEqualTo(2);
  }

  @Test
  void createIndexIsIdempotentAndRejectsAConflictingMapping() {
    ElasticsearchViewSink sink = (ElasticsearchViewSink) sink();
    sink.createIndex(index, MAPPING);
    sink.createIndex(index, MAPPING);

    assertThatThrownBy(() -> sink.createIndex(index, "{\"properties\":{\"count\":{\"type\":\"keyword\"}}}"))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(index);
  }

  @Test
  void unreachableNodeIsTransient() {
    assertThatThrownBy(() -> ElasticsearchViewSink.connect(URI.create("http://127.0.0.1:1"), settings).close())
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("it-positions")
        .hasMessageContaining("could not be reached");
  }

  @Test
  void ownerFieldIsFirstAndTheRestOfTheDocumentIsKept() {
    sink().apply(projection, 0, List.of(SourcedUpdates.of(0, 1,
        new PutDocument(index, "c", "{\"value\":\"x\",\"count\":3}"))));
    JsonNode source = document(index, "c").orElseThrow();
    assertThat(source.get("value").asText()).isEqualTo("x");
    assertThat(source.get("count").asLong()).isEqualTo(3);
    assertThat(source.get("tributary_partition").asInt()).isZero();
  }

  @Test
  void sinkOverACallersClientLeavesItOpen() {
    try (ElasticsearchViewSink sink = ElasticsearchViewSink.over(elasticsearch, settings)) {
      sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 1, put("a", "shared client"))));
    }
    assertThat(readBack("a")).contains("shared client");
  }
}
