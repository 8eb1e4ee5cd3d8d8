package io.tributary.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node in a child JVM, driven through the official Java client. */
class ElasticsearchDevServerIT {
  record Post(String title, String tribe, int likes) {}

  @TempDir
  static Path tempDir;

  private static ElasticsearchDevServer server;
  private static ElasticsearchClient client;

  @BeforeAll
  static void startNode() {
    server = ElasticsearchDevServer.start(ElasticsearchDevServer.Options.defaults(sharedDataDir()));
    client = clientFor(server);
  }

  @AfterAll
  static void stopNode() throws IOException {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void servesHttpOnLoopbackAtTheReportedPort() throws IOException {
    assertThat(server.host()).isEqualTo("127.0.0.1");
    assertThat(server.httpUri()).isEqualTo(URI.create("http://127.0.0.1:" + server.httpPort()));
    assertThat(client.cluster().health().status()).isIn(HealthStatus.Green, HealthStatus.Yellow);
  }

  @Test
  void matchQueryFindsExactlyTheMatchingDocuments() throws IOException {
    client.indices().create(index -> index
        .index("posts")
        .settings(settings -> settings.numberOfShards("1").numberOfReplicas("0"))
        .mappings(mapping -> mapping
            .properties("title", property -> property.text(text -> text))
            .properties("tribe", property -> property.keyword(keyword -> keyword))
            .properties("likes", property -> property.integer(integer -> integer))));
    Map<String, Post> posts = Map.of(
        "p1", new Post("Kafka partitions and ordering", "streams", 12),
        "p2", new Post("Tuning RocksDB compaction", "storage", 7),
        "p3", new Post("Exactly once with Kafka transactions", "streams", 30),
        "p4", new Post("A ride along the river", "bikes", 3));
    for (Map.Entry<String, Post> post : posts.entrySet()) {
      client.index(request -> request.index("posts").id(post.getKey()).document(post.getValue()));
    }
    client.indices().refresh(refresh -> refresh.index("posts"));

    SearchResponse<Post> response = client.search(search -> search
            .index("posts")
            .query(query -> query.match(match -> match.field("title").query("kafka"))),
        Post.class);

    assertThat(response.hits().total().value()).isEqualTo(2);
    assertThat(response.hits().hits().stream().collect(Collectors.toMap(Hit::id, Hit::source)))
        .containsExactlyInAnyOrderEntriesOf(Map.of("p1", posts.get("p1"), "p3", posts.get("p3")));
  }

  @Test
  void unknownSettingFailsFastNamingTheCauseAndTheLog() {
    Path dataDir = tempDir.resolve("bogus");
    Set<Long> childrenBefore = childPids();
    long startedAt = System.nanoTime();

    DevServiceException failure = catchThrowableOfType(DevServiceException.class,
        () -> ElasticsearchDevServer.start(ElasticsearchDevServer.Options.defaults(dataDir)
            .withSettings(Map.of("tributary.bogus.setting", "x"))));

    Duration took = Duration.ofNanos(System.nanoTime() - startedAt);
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage())
        .contains("failed to start")
        .contains("unknown setting [tributary.bogus.setting]")
        .contains(dataDir.resolve("elasticsearch.log").toString())
        .contains("Options.settings");
    // the default start-up timeout is 90 s; a failure must be reported when it happens
    assertThat(took).isLessThan(Duration.ofSeconds(60));
    assertThat(childPids()).isEqualTo(childrenBefore);
  }

  @Test
  void refusesADataDirThatARunningNodeUses() throws IOException {
    Set<Long> childrenBefore = childPids();

    DevServiceException failure = catchThrowableOfType(DevServiceException.class,
        () -> ElasticsearchDevServer.start(ElasticsearchDevServer.Options.defaults(sharedDataDir())));

    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains(sharedDataDir() + " is in use");
    assertThat(childPids()).isEqualTo(childrenBefore);
    assertThat(client.cluster().health().status()).isIn(HealthStatus.Green, HealthStatus.Yellow);
  }

  @Test
  void restartsInTheSameDataDirAndKeepsIndices() throws IOException {
    ElasticsearchDevServer.Options options =
        ElasticsearchDevServer.Options.defaults(tempDir.resolve("restart"));
    Set<Long> childrenBefore = childPids();
    try (ElasticsearchDevServer first = ElasticsearchDevServer.start(options);
        ElasticsearchClient firstClient = clientFor(first)) {
      firstClient.index(request -> request
          .index("kept").id("k1").document(new Post("still here", "storage", 1))
          .refresh(Refresh.True));
    }
    assertThat(childPids()).isEqualTo(childrenBefore);

    try (ElasticsearchDevServer second = ElasticsearchDevServer.start(options);
        ElasticsearchClient secondClient = clientFor(second)) {
      assertThat(secondClient.get(get -> get.index("kept").id("k1"), Post.class).source())
          .isEqualTo(new Post("still here", "storage", 1));
    }
    assertThat(childPids()).isEqualTo(childrenBefore);
  }

  @Test
  void stopRefusesConnectionsAndRestartServesTheSameIndicesOnTheSamePort() throws IOException {
    int port = server.httpPort();
    client.index(request -> request
        .index("outage").id("o1").document(new Post("written before the stop", "storage", 2)));
    Set<Long> childrenBefore = childPids();

    server.stop();
    try {
      assertThat(server.isRunning()).isFalse();
      assertThat(childPids()).hasSize(childrenBefore.size() - 1);
      assertThatThrownBy(() -> client.cluster().health()).isInstanceOf(IOException.class);
      server.stop(); // idempotent while stopped
    } finally {
      server.restart();
    }

    assertThat(server.isRunning()).isTrue();
    assertThat(server.httpPort()).isEqualTo(port);
    assertThat(childPids()).hasSize(childrenBefore.size());
    // the old client reconnects to the same address
    assertThat(client.get(get -> get.index("outage").id("o1"), Post.class).source())
        .isEqualTo(new Post("written before the stop", "storage", 2));
  }

  @Test
  void aClosedNodeCannotBeRestarted() {
    ElasticsearchDevServer closed =
        ElasticsearchDevServer.start(ElasticsearchDevServer.Options.defaults(tempDir.resolve("closed")));
    closed.close();

    assertThatThrownBy(closed::restart).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("it is closed. Start a new one");
    assertThatThrownBy(closed::stop).isInstanceOf(IllegalStateException.class);
    closed.close(); // idempotent
  }

  private static Path sharedDataDir() {
    return tempDir.resolve("shared");
  }

  private static ElasticsearchClient clientFor(ElasticsearchDevServer node) {
    Rest5Client rest = Rest5Client.builder(new HttpHost("http", node.host(), node.httpPort())).build();
    return new ElasticsearchClient(new Rest5ClientTransport(rest, new Jackson3JsonpMapper()));
  }

  private static Set<Long> childPids() {
    return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
