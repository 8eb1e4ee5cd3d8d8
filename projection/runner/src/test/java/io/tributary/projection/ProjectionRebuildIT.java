package io.tributary.projection;

import static io.tributary.projection.ProjectionHarness.WAIT;
import static io.tributary.projection.ProjectionHarness.projectionSettings;
import static io.tributary.projection.ProjectionHarness.runtimeSettings;
import static io.tributary.projection.ProjectionHarness.sendAndAwait;
import static org.assertj.core.api.Assertions.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.ProjectionHarness.Ledger;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings.RefreshPolicy;
import io.tributary.projection.elasticsearch.ElasticsearchViewVersions;
import io.tributary.projection.rebuild.DeploymentSettings;
import io.tributary.projection.rebuild.DeploymentState;
import io.tributary.projection.rebuild.RebuildProgress;
import io.tributary.projection.rebuild.RebuildStatusCommand;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.projection.redis.RedisViewVersions;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.snapshot.MutableClock;
import io.tributary.testkit.WithDevServices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rebuilds of a projection on real Kafka, Redis and Elasticsearch: version 2 catches up beside the
 * serving version 1 while a reader queries through the live pointer, takes over, and version 1 is
 * dropped after the drop delay (on a clock the test moves) or rolled back to before that.
 */
@WithDevServices
class ProjectionRebuildIT {
  private static final String MAPPING = """
      {"properties":{"account":{"type":"keyword"},"kind":{"type":"keyword"},"amount":{"type":"long"}}}""";

  /** Per event: the balance moves by the amount, and the deposit or withdrawal count by one. */
  private static final ProjectionDefinition<ViewUpdate> BALANCES = ProjectionDefinition.of("balances", envelope -> {
    AccountEvent event = (AccountEvent) envelope.event();
    String account = envelope.aggregateId();
    return switch (event.getKindCase()) {
      case DEPOSITED -> List.of(new ViewUpdate.Increment("balance:" + account, "cents", event.getDeposited().getAmount()),
          new ViewUpdate.Increment("counts:" + account, "deposits", 1));
      case WITHDRAWN -> List.of(new ViewUpdate.Increment("balance:" + account, "cents", -event.getWithdrawn().getAmount()),
          new ViewUpdate.Increment("counts:" + account, "withdrawals", 1));
      case KIND_NOT_SET -> throw new IllegalStateException("AccountEvent without a kind: " + envelope.eventId());
    };
  }, Account.TYPE);

  @TempDir Path stateDir;
  private final String service = "rebuild-" + UUID.randomUUID().toString().substring(0, 8);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private ServiceDefinition definition;
  private String bootstrap;
  private RedisURI redisUri;
  private ScratchRedis scratch;
  /** The scratch's key prefix, connection and commands, under shorter names. */
  private String base;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> redis;
  private ElasticsearchEndpoint elasticsearchEndpoint;
  private Rest5ClientTransport transport;
  private ElasticsearchClient elasticsearch;

  @BeforeEach
  void setUp(KafkaEndpoint kafka, RedisEndpoint redisEndpoint, ElasticsearchEndpoint elasticsearchEndpoint) {
    definition = Account.service(service);
    bootstrap = kafka.bootstrapServers();
    redisUri = RedisURI.create(redisEndpoint.uri());
    scratch = new ScratchRedis(redisEndpoint);
    base = scratch.keyPrefix;
    connection = scratch.connection;
    redis = scratch.redis;
    this.elasticsearchEndpoint = elasticsearchEndpoint;
    transport = new Rest5ClientTransport(Rest5Client.builder(
        new HttpHost("http", elasticsearchEndpoint.host(), elasticsearchEndpoint.port())).build(), new JacksonJsonpMapper());
    elasticsearch = new ElasticsearchClient(transport);
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      scratch.close();
    } finally {
      transport.close();
    }
  }

  @Test
  void redisReadersSwitchToTheRebuiltVersionWithoutAGapAndTheOldVersionIsDroppedAfterTheDelay() throws Exception {
    RedisViewVersions versions = RedisViewVersions.over(connection, base);
    Ledger ledger = new Ledger();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir), new SimpleMeterRegistry());
        RedisViewSink v1 = RedisViewSink.over(connection, RedisViewSinkSettings.forVersion(base, "balances", 1));
        RedisViewSink v2 = RedisViewSink.over(connection, RedisViewSinkSettings.forVersion(base, "balances", 2))) {
      ledger.record(sendAndAwait(runtime, 0, 150));
      try (ProjectionDeployment first = deployRedis(BALANCES, versions, settings())) {
        assertThat(first.state()).isEqualTo(DeploymentState.SERVING);
        assertThat(versions.live("balances")).hasValue(1);
        ProjectionHarness.awaitApplied(first.runner(), v1, "balances.v1", ledger);
      }

      // a reader that queries the way the query service does: the pointer, then the key under its version
      Reader reader = Reader.start(() -> {
        String live = redis.get(ViewNames.redisLiveKey(base, "balances"));
        String cents = live == null ? null : redis.hget(ViewNames.redisPrefix(base, "balances", Integer.parseInt(live)) + "balance:acct-0", "cents");
        return cents == null ? null : live;
      });
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (ProjectionDeployment rebuild = ProjectionDeployment.start(definition, BALANCES.withVersion(2),
          version -> RedisViewSink.connect(redisUri, RedisViewSinkSettings.forVersion(base, "balances", version)),
          versions, projectionSettings(bootstrap, stateDir), settings().withLiveDefinition(BALANCES), meters)) {
        assertThat(rebuild.previousVersion()).hasValue(1);
        ledger.record(sendAndAwait(runtime, 150, 60)); // events keep coming while version 2 catches up
        awaitState(rebuild, DeploymentState.PUBLISHED);
        assertThat(versions.live("balances")).hasValue(2);

        ProjectionHarness.awaitApplied(rebuild.runner(), v2, "balances.v2", ledger);
        RebuildProgress progress = rebuild.progress();
        assertThat(progress.caughtUp()).isTrue();
        assertThat(progress.published()).isTrue();
        assertThat(progress.eventsLeft()).isZero();
        assertThat(meters.get("tributary.projection.rebuild.remaining").tag("version", "2").gauge().value()).isZero();
        awaitUntil("version 1 applied every event", () -> positionsReached(v1, "balances.v1", ledger));
        assertThat(redisViews(2)).isNotEmpty().isEqualTo(redisViews(1));
        assertThat(reader.seen()).contains("1", "2");

        clock.advance(settings().dropDelay());
        awaitState(rebuild, DeploymentState.SERVING);
        assertThat(redis.keys(ViewNames.redisPrefix(base, "balances", 1) + "*")).isEmpty();
        assertThat(redisViews(2)).isNotEmpty();
        assertThat(versions.live("balances")).hasValue(2);
      } finally {
        reader.stop();
      }
      assertThat(reader.failure()).as("reader failure").isNull();
    }
  }

  @Test
  void elasticsearchReadersSwitchToTheRebuiltIndicesWithoutAGapAndTheOldIndicesAreDroppedAfterTheDelay() throws Exception {
    String logical = service + "-ledger";
    ProjectionDefinition<ViewUpdate> ledgerProjection = ProjectionDefinition.of("ledger", envelope -> {
      AccountEvent event = (AccountEvent) envelope.event();
      boolean deposit = event.hasDeposited();
      long amount = deposit ? event.getDeposited().getAmount() : event.getWithdrawn().getAmount();
      return List.of(new ViewUpdate.PutDocument(logical, envelope.eventId(),
          "{\"account\":\"%s\",\"kind\":\"%s\",\"amount\":%d}".formatted(envelope.aggregateId(), deposit ? "deposit" : "withdrawal", amount)));
    }, Account.TYPE);
    ElasticsearchViewSinkSettings sinkSettings = ElasticsearchViewSinkSettings.defaults()
        .withPositionsIndex(service + "-positions").withRefresh(RefreshPolicy.IMMEDIATE);
    ElasticsearchViewVersions versions = new ElasticsearchViewVersions(elasticsearch, Map.of("ledger", Set.of(logical)))
        .withPositionsIndex(sinkSettings.positionsIndex());
    java.util.function.Function<Integer, ViewSink> sinkForVersion = version -> {
      ElasticsearchViewSink sink = ElasticsearchViewSink.connect(elasticsearchEndpoint.httpUri(), sinkSettings.withIndexVersion(version));
      sink.createIndex(logical, MAPPING);
      return sink;
    };
    Ledger ledger = new Ledger();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir), new SimpleMeterRegistry());
        ElasticsearchViewSink v1 = ElasticsearchViewSink.over(elasticsearch, sinkSettings.withIndexVersion(1));
        ElasticsearchViewSink v2 = ElasticsearchViewSink.over(elasticsearch, sinkSettings.withIndexVersion(2))) {
      ledger.record(sendAndAwait(runtime, 0, 120));
      try (ProjectionDeployment first = ProjectionDeployment.start(definition, ledgerProjection, sinkForVersion, versions,
          projectionSettings(bootstrap, stateDir), settings(), new SimpleMeterRegistry())) {
        ProjectionHarness.awaitApplied(first.runner(), v1, "ledger.v1", ledger);
      }
      String firstId = documents(logical + "-v1").keySet().iterator().next();
      long before = documents(logical + "-v1").size();

      // readers query the alias: a get of one document and a count that never shrinks
      Reader reader = Reader.start(() -> {
        GetResponse<ObjectNode> got = elasticsearch.get(g -> g.index(logical).id(firstId), ObjectNode.class);
        long count = elasticsearch.count(c -> c.index(logical)).count();
        return got.found() && count >= before ? got.index() : null;
      });
      try (ProjectionDeployment rebuild = ProjectionDeployment.start(definition, ledgerProjection.withVersion(2),
          sinkForVersion, versions, projectionSettings(bootstrap, stateDir), settings().withLiveDefinition(ledgerProjection),
          new SimpleMeterRegistry())) {
        ledger.record(sendAndAwait(runtime, 120, 40));
        awaitState(rebuild, DeploymentState.PUBLISHED);
        assertThat(versions.live("ledger")).hasValue(2);

        ProjectionHarness.awaitApplied(rebuild.runner(), v2, "ledger.v2", ledger);
        awaitUntil("version 1 applied every event", () -> positionsReached(v1, "ledger.v1", ledger));
        assertThat(documents(logical + "-v2")).hasSizeGreaterThan((int) before).isEqualTo(documents(logical + "-v1"));
        assertThat(reader.seen()).contains(logical + "-v1", logical + "-v2");

        clock.advance(settings().dropDelay());
        awaitState(rebuild, DeploymentState.SERVING);
        assertThat(elasticsearch.indices().exists(e -> e.index(logical + "-v1")).value()).isFalse();
        assertThat(v1.position("ledger.v1", 0)).isEmpty();
        assertThat(v2.position("ledger.v2", 0)).isPresent();
      } finally {
        reader.stop();
      }
      assertThat(reader.failure()).as("reader failure").isNull();
    }
  }

  @Test
  void rollbackBeforeTheDropPointsReadersBackAtTheOldVersion() throws Exception {
    RedisViewVersions versions = RedisViewVersions.over(connection, base);
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir), new SimpleMeterRegistry())) {
      new Ledger().record(sendAndAwait(runtime, 0, 40));
      deployRedis(BALANCES, versions, settings()).close();

      try (ProjectionDeployment rebuild = deployRedis(BALANCES.withVersion(2), versions, settings().withLiveDefinition(BALANCES))) {
        assertThatThrownBy(rebuild::rollback).isInstanceOf(IllegalStateException.class);
        awaitState(rebuild, DeploymentState.PUBLISHED);

        rebuild.rollback();

        assertThat(rebuild.state()).isEqualTo(DeploymentState.ROLLED_BACK);
        assertThat(versions.live("balances")).hasValue(1);
        assertThat(rebuild.runner().isRunning()).isFalse();
        assertThat(redisViews(1)).isNotEmpty();
        assertThat(redisViews(2)).as("the new version's views are kept").isNotEmpty();
        assertThatThrownBy(rebuild::rollback).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("ROLLED_BACK");
      }
    }
  }

  @Test
  void refusesADefinitionOlderThanTheLiveVersion() {
    RedisViewVersions versions = RedisViewVersions.over(connection, base);
    versions.publish("balances", 3);

    assertThatThrownBy(() -> deployRedis(BALANCES.withVersion(2), versions, settings()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Version 3 of projection 'balances' is live")
        .hasMessageContaining("version 2");
    assertThat(versions.live("balances")).hasValue(3);
  }

  @Test
  void rebuildStatusCommandReportsACaughtUpVersionFromItsCommittedOffsets() throws Exception {
    RedisViewVersions versions = RedisViewVersions.over(connection, base);
    Ledger ledger = new Ledger();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir), new SimpleMeterRegistry());
        RedisViewSink v1 = RedisViewSink.over(connection, RedisViewSinkSettings.forVersion(base, "balances", 1));
        ProjectionDeployment deployment = deployRedis(BALANCES, versions, settings())) {
      ledger.record(sendAndAwait(runtime, 0, 60));
      ProjectionHarness.awaitApplied(deployment.runner(), v1, "balances.v1", ledger);

      AtomicReference<String> output = new AtomicReference<>("");
      awaitUntil("the command reports version 1 caught up", () -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = RebuildStatusCommand.run(new String[] {"--bootstrap-servers", bootstrap, "--service", service,
            "--projection", "balances", "--version", "1", "--once"}, new PrintStream(out, true, UTF_8), new PrintStream(out, true, UTF_8));
        output.set(out.toString(UTF_8));
        return code == 0;
      });
      assertThat(output.get()).contains("partition 0: done", "partition 3: done", "left 0", "Caught up.");
    }
  }

  private DeploymentSettings settings() {
    return DeploymentSettings.defaults().withCheckInterval(Duration.ofMillis(200)).withDropDelay(Duration.ofMinutes(5))
        .withClock(clock);
  }

  private ProjectionDeployment deployRedis(ProjectionDefinition<ViewUpdate> projection, RedisViewVersions versions,
      DeploymentSettings deploymentSettings) {
    return ProjectionDeployment.start(definition, projection,
        version -> RedisViewSink.connect(redisUri, RedisViewSinkSettings.forVersion(base, "balances", version)),
        versions, projectionSettings(bootstrap, stateDir), deploymentSettings, new SimpleMeterRegistry());
  }

  /** @return every view key of {@code version} (without its prefix) with its hash, positions left out */
  private Map<String, Map<String, String>> redisViews(int version) {
    String prefix = ViewNames.redisPrefix(base, "balances", version);
    Map<String, Map<String, String>> views = new TreeMap<>();
    for (String key : redis.keys(prefix + "*")) {
      if (!key.startsWith(prefix + "tributary:positions:")) {
        views.put(key.substring(prefix.length()), redis.hgetall(key));
      }
    }
    return views;
  }

  /** @return every document of {@code index} by id, without the owner field's value compared apart */
  private Map<String, ObjectNode> documents(String index) throws IOException {
    Map<String, ObjectNode> documents = new TreeMap<>();
    for (Hit<ObjectNode> hit : elasticsearch.search(s -> s.index(index).size(1_000), ObjectNode.class).hits().hits()) {
      documents.put(hit.id(), hit.source());
    }
    return documents;
  }

  private static boolean positionsReached(ViewSink sink, String positionsId, Ledger ledger) {
    return ledger.lastOffsets().entrySet().stream().allMatch(last -> {
      var held = sink.position(positionsId, last.getKey());
      return held.isPresent() && held.getAsLong() >= last.getValue();
    });
  }

  private static void awaitState(ProjectionDeployment deployment, DeploymentState expected) throws InterruptedException {
    awaitUntil("deployment " + expected + " (failure: " + deployment.failure() + ")",
        () -> deployment.state() == expected || deployment.state() == DeploymentState.FAILED);
    assertThat(deployment.state()).as("state, failure %s", deployment.failure()).isEqualTo(expected);
  }

  private static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Not reached within " + WAIT + ": " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Reads continuously on a thread of its own; every read must return a version, never nothing or an error. */
  private static final class Reader {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reads = new AtomicInteger();
    private Thread thread;

    interface Read {
      /** @return the version (or index) the read was served from; null if it found nothing */
      String read() throws Exception;
    }

    static Reader start(Read read) throws InterruptedException {
      Reader reader = new Reader();
      reader.thread = Thread.ofPlatform().name("rebuild-reader").start(() -> {
        try {
          while (reader.running.get()) {
            String version = read.read();
            if (version == null) {
              throw new AssertionError("a read through the live pointer found nothing after " + reader.reads.get() + " reads");
            }
            reader.seen.add(version);
            reader.reads.incrementAndGet();
          }
        } catch (Throwable e) {
          reader.failure.set(e);
        }
      });
      awaitUntil("the reader's first read", () -> reader.reads.get() > 0 || reader.failure.get() != null);
      return reader;
    }

    Set<String> seen() {
      return Set.copyOf(seen);
    }

    Throwable failure() {
      return failure.get();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
