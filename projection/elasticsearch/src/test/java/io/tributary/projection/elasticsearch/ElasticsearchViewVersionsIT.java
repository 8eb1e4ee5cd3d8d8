package io.tributary.projection.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.core.error.PermanentException;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings.RefreshPolicy;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.ViewVersions;
import io.tributary.projection.sink.ViewVersionsContractTest;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithDevServices
class ElasticsearchViewVersionsIT extends ViewVersionsContractTest {

  private static final String MAPPING = """
      {"properties":{"value":{"type":"keyword"}}}""";

  private Rest5ClientTransport transport;
  private ElasticsearchClient elasticsearch;
  private URI uri;
  private final ElasticsearchViewSinkSettings settings = ElasticsearchViewSinkSettings.defaults()
      .withPositionsIndex("it-version-positions").withRefresh(RefreshPolicy.IMMEDIATE);

  @BeforeEach
  void connect(ElasticsearchEndpoint endpoint) {
    uri = endpoint.httpUri();
    transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", endpoint.host(), endpoint.port())).build(), new JacksonJsonpMapper());
    elasticsearch = new ElasticsearchClient(transport);
  }

  @AfterEach
  void disconnect() throws IOException {
    transport.close();
  }

  /** The one logical index of the running test's projection. */
  private String logical() {
    return "it-" + projection;
  }

  @Override
  protected ViewVersions versions() {
    return new ElasticsearchViewVersions(elasticsearch, Map.of(projection, Set.of(logical())))
        .withPositionsIndex(settings.positionsIndex());
  }

  @Override
  protected ViewSink openSink(int version) {
    ElasticsearchViewSink sink = ElasticsearchViewSink.connect(uri, settings.withIndexVersion(version));
    sink.createIndex(logical(), MAPPING);
    return sink;
  }

  @Override
  protected ViewUpdate put(String id, String value) {
    return new PutDocument(logical(), id, "{\"value\":\"" + value + "\"}");
  }

  @Override
  protected Optional<String> readLive(String id) {
    // what a reader does: a get on the logical name, the alias of the live version's index
    return value(logical(), id);
  }

  @Override
  protected Optional<String> readVersion(int version, String id) {
    try {
      if (!elasticsearch.indices().exists(e -> e.index(ViewNames.elasticsearchIndex(logical(), version))).value()) {
        return Optional.empty();
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return value(ViewNames.elasticsearchIndex(logical(), version), id);
  }

  private Optional<String> value(String index, String id) {
    try {
      GetResponse<ObjectNode> response = elasticsearch.get(g -> g.index(index).id(id), ObjectNode.class);
      return response.found() ? Optional.of(response.source().get("value").asText()) : Optional.empty();
    } catch (IOException e) {
      throw new AssertionError("reading " + index + "/" + id, e);
    }
  }

  private List<String> aliasHolders(String alias) throws IOException {
    return List.copyOf(elasticsearch.indices().getAlias(g -> g.name(alias)).aliases().keySet());
  }

  @Test
  void sinkWithAnIndexVersionWritesTheVersionsPhysicalIndex() throws IOException {
    write(3, 0, "a", "three");
    assertThat(elasticsearch.indices().exists(e -> e.index(logical() + "-v3")).value()).isTrue();
    assertThat(elasticsearch.indices().exists(e -> e.index(logical())).value()).isFalse();
    assertThat(value(logical() + "-v3", "a")).contains("three");
  }

  @Test
  void publishMovesTheAliasOfEveryLogicalIndexOfTheProjection() throws IOException {
    String comments = logical() + "-comments";
    ViewVersions both = new ElasticsearchViewVersions(elasticsearch, Map.of(projection, Set.of(logical(), comments)))
        .withPositionsIndex(settings.positionsIndex());
    for (int version = 1; version <= 2; version++) {
      try (ElasticsearchViewSink sink = ElasticsearchViewSink.connect(uri, settings.withIndexVersion(version))) {
        sink.createIndex(logical(), MAPPING);
        sink.createIndex(comments, MAPPING);
        sink.apply(ViewNames.positionsId(projection, version), 0, List.of(SourcedUpdates.of(0, 1,
            new PutDocument(logical(), "p", "{\"value\":\"post v" + version + "\"}"),
            new PutDocument(comments, "c", "{\"value\":\"comment v" + version + "\"}"))));
      }
    }

    both.publish(projection, 1);
    both.publish(projection, 2);

    assertThat(both.live(projection)).hasValue(2);
    assertThat(aliasHolders(logical())).containsExactly(logical() + "-v2");
    assertThat(aliasHolders(comments)).containsExactly(comments + "-v2");
    assertThat(value(comments, "c")).contains("comment v2");
  }

  @Test
  void publishingAVersionWithAMissingIndexIsPermanentAndMovesNothing() {
    write(1, 0, "a", "one");
    versions().publish(projection, 1);

    assertThatThrownBy(() -> versions().publish(projection, 2))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(logical() + "-v2")
        .hasMessageContaining("Start the version's runner");
    assertThat(versions().live(projection)).hasValue(1);
    assertThat(readLive("a")).contains("one");
  }

  @Test
  void aliasesThatDisagreeArePermanent() throws IOException {
    String comments = logical() + "-comments";
    write(1, 0, "a", "one");
    elasticsearch.indices().create(c -> c.index(comments + "-v2"));
    elasticsearch.indices().putAlias(a -> a.index(comments + "-v2").name(comments));

    ViewVersions both = new ElasticsearchViewVersions(elasticsearch, Map.of(projection, Set.of(logical(), comments)));
    versions().publish(projection, 1);

    assertThatThrownBy(() -> both.live(projection))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("disagree")
        .hasMessageContaining(comments + "-v2");
  }

  @Test
  void unknownProjectionIsRejectedNamingTheKnownOnes() {
    assertThatThrownBy(() -> versions().live("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nope'")
        .hasMessageContaining(projection);
  }

  @Test
  void sinkSettingsRejectAVersionBelowOne() {
    assertThatThrownBy(() -> settings.withIndexVersion(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versions start at 1");
  }
}
