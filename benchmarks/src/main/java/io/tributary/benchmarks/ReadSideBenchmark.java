package io.tributary.benchmarks;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.devservices.ElasticsearchDevServer;
import io.tributary.devservices.KafkaDevServer;
import io.tributary.devservices.RedisDevServer;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.runtime.bank.Account;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.HttpHost;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * How many events per second does a {@code ProjectionRunner} apply to Redis counters, and how many
 * documents per second to Elasticsearch, and how soon after a command's reply is its effect
 * visible in a Redis view? The read side is described in docs/adr/0006-view-sinks.md and
 * docs/adr/0007-read-side.md; the targets were at least 100,000 events/s into Redis and 20,000
 * documents/s into Elasticsearch on 2 cores.
 *
 * <p>Method, with a Kafka broker in this JVM and Redis and Elasticsearch as child processes (the
 * dev services):
 *
 * <ol>
 *   <li>{@code bench.read.events} bank-account events are written once into {@code
 *       readbench.events} in the runtime's wire format ({@link EventLoader}).
 *   <li>For each round (warm-ups, then measured runs) and each sink, a runner of a new projection
 *       (its own consumer group, positions and keys or index) reads the whole topic; the run is
 *       timed from {@code ProjectionRunner.start} until the sink's position is the last offset of
 *       every partition ({@link ProjectionThroughput}). The views are then checked against the
 *       events: the Redis counters of all accounts sum to the event count, and the Elasticsearch
 *       documents' sequences (each account's event count) sum to it as well.
 *   <li>Visibility latency ({@link ViewVisibilityLatency}): one deposit at a time through a runtime,
 *       from its reply until a direct Redis read of the view shows it.
 * </ol>
 *
 * Prints progress every 3 s, and at the end the median, minimum and maximum rate of the measured
 * runs and the latency percentiles. Exits with 1 if a check fails. The command that runs it is in
 * {@code benchmarks/README.md}.
 */
public final class ReadSideBenchmark {
  private static final String SERVICE = "readbench";

  private ReadSideBenchmark() {}

  public static void main(String[] args) throws Exception {
    ReadSideSettings settings = ReadSideSettings.fromSystemProperties();
    Progress.print("Read-side benchmark on %s %s (%s), %d cores, max heap %d MiB",
        System.getProperty("java.vm.name"), Runtime.version(), System.getProperty("java.vm.vendor"),
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    Progress.print("settings: %s", settings);
    Path dataDir = TempDirs.create("tributary-read-bench-");
    List<String> failedChecks = new ArrayList<>();
    try (KafkaDevServer broker = KafkaDevServer.start(KafkaDevServer.Options.defaults(dataDir.resolve("kafka")));
        RedisDevServer redis = RedisDevServer.start(RedisDevServer.Options.defaults(dataDir.resolve("redis")));
        @Nullable ElasticsearchDevServer elasticsearch = settings.runs("elasticsearch")
            ? ElasticsearchDevServer.start(ElasticsearchDevServer.Options.defaults(dataDir.resolve("elasticsearch"))
                .withHeap(settings.elasticsearchHeap()))
            : null;
        BenchKafka kafka = new BenchKafka(broker.bootstrapServers(), Map.of(), settings.partitions())) {
      Progress.print("broker at %s, Redis at %s%s", broker.bootstrapServers(), redis.endpoint().uri(),
          elasticsearch == null ? "" : ", Elasticsearch at " + elasticsearch.httpUri());
      ServiceDefinition service = Account.service(SERVICE);
      String topic = SERVICE + ".events";
      kafka.createTopics(List.of(topic));
      Map<TopicPartition, Long> ends = new EventLoader(kafka).load(service, topic, settings.events(),
          settings.accounts(), settings.seed());
      long total = ends.values().stream().mapToLong(Long::longValue).sum();

      ProjectionThroughput throughput = new ProjectionThroughput(kafka, settings);
      List<ProjectionThroughput.Result> results = new ArrayList<>();
      RedisURI redisUri = RedisURI.create(redis.endpoint().uri());
      RedisClient redisClient = RedisClient.create(redisUri);
      try (StatefulRedisConnection<String, String> connection = redisClient.connect()) {
        for (int round = 0; round < settings.warmups() + settings.runs(); round++) {
          boolean warmup = round < settings.warmups();
          String label = warmup ? "warm-up " + (round + 1) : "run " + (round - settings.warmups() + 1);
          if (settings.runs("redis")) {
            String prefix = "r" + round + ":";
            connection.sync().configResetstat();
            try (RedisViewSink sink = RedisViewSink.connect(redisUri,
                RedisViewSinkSettings.defaults().withKeyPrefix(prefix))) {
              ProjectionThroughput.Result result = throughput.run("redis", label, service,
                  ReadSideProjections.balances("balances-r" + round), sink, ends);
              if (!warmup) {
                results.add(result);
              }
            }
            Progress.print("  redis %s: server time in scripts %s", label, scriptStats(connection));
            long counted = redisCounts(connection, prefix, settings.accounts());
            if (counted != total) {
              failedChecks.add("redis " + label + ": the counters sum to " + counted + ", not " + total);
            }
            connection.sync().flushall();
          }
          if (elasticsearch != null) {
            String index = "accounts-r" + round;
            try (ElasticsearchViewSink sink = ElasticsearchViewSink.connect(elasticsearch.httpUri(),
                ElasticsearchViewSinkSettings.defaults().withPositionsIndex("bench-positions")
                    .withBulks(settings.maxBulkDocuments(), settings.maxBulksInFlight()))) {
              createWithSettings(elasticsearch, index, System.getProperty("bench.read.es-index-settings", ""));
              sink.createIndex(index, ReadSideProjections.ACCOUNT_MAPPING);
              ProjectionThroughput.Result result = throughput.run("elasticsearch", label, service,
                  ReadSideProjections.accountDocuments("documents-r" + round, index), sink, ends);
              if (!warmup) {
                results.add(result);
              }
            }
            long summed = sumOfSequences(elasticsearch, index);
            if (summed != total) {
              failedChecks.add("elasticsearch " + label + ": the documents' sequences sum to " + summed + ", not "
                  + total);
            }
          }
        }
        ViewVisibilityLatency.Result latency = null;
        if (settings.latencyCommands() > 0) {
          latency = new ViewVisibilityLatency(kafka, settings).run(SERVICE + "-latency",
              dataDir.resolve("runtime"), redisUri, connection);
        }
        System.out.println();
        ReadSideResults.print(settings, total, results, latency);
      } finally {
        redisClient.shutdown();
      }
      failedChecks.forEach(failed -> Progress.print("CHECK FAILED: %s", failed));
    } finally {
      TempDirs.delete(dataDir);
    }
    System.exit(failedChecks.isEmpty() ? 0 : 1);
  }

  /** @return the server's own count and time of script calls since the last reset, from INFO commandstats */
  private static String scriptStats(StatefulRedisConnection<String, String> connection) {
    return connection.sync().info("commandstats").lines()
        .filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
        .map(String::strip)
        .reduce((a, b) -> a + "; " + b)
        .orElse("no script calls");
  }

  /** @return the sum of every account's deposit and withdrawal counters, read pipelined */
  private static long redisCounts(StatefulRedisConnection<String, String> connection, String prefix, int accounts)
      throws Exception {
    List<RedisFuture<List<KeyValue<String, String>>>> counts = new ArrayList<>(accounts);
    for (int account = 0; account < accounts; account++) {
      counts.add(connection.async().hmget(prefix + "counts:acct-" + account, "deposits", "withdrawals"));
    }
    long sum = 0;
    for (RedisFuture<List<KeyValue<String, String>>> count : counts) {
      for (KeyValue<String, String> field : count.get(60, TimeUnit.SECONDS)) {
        sum += field.hasValue() ? Long.parseLong(field.getValue()) : 0;
      }
    }
    return sum;
  }

  /** Creates {@code index} with the index settings {@code settingsJson} (such as {@code {"refresh_interval":"30s"}}) unless empty. */
  private static void createWithSettings(ElasticsearchDevServer node, String index, String settingsJson) throws Exception {
    if (settingsJson.isEmpty()) {
      return;
    }
    try (Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", node.host(), node.httpPort())).build(), new JacksonJsonpMapper())) {
      new ElasticsearchClient(transport).indices().create(c -> c.index(index)
          .settings(s -> s.withJson(new java.io.StringReader(settingsJson))));
    }
  }

  /**
   * Prints how many document writes reached {@code index} (fewer than the events when a batch
   * updates a document more than once).
   *
   * @return the sum of the {@code sequence} field over {@code index}, after a refresh; deletes the index
   */
  private static long sumOfSequences(ElasticsearchDevServer node, String index) throws Exception {
    try (Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", node.host(), node.httpPort())).build(), new JacksonJsonpMapper())) {
      ElasticsearchClient client = new ElasticsearchClient(transport);
      client.indices().refresh(r -> r.index(index));
      double sum = client.search(s -> s.index(index).size(0)
              .aggregations("events", a -> a.sum(f -> f.field("sequence"))), Void.class)
          .aggregations().get("events").sum().value();
      long written = client.indices().stats(st -> st.index(index)).indices().get(index).primaries().indexing()
          .indexTotal();
      Progress.print("  elasticsearch %s: %s document writes reached the index (one per document and batch)", index,
          Progress.count(written));
      client.indices().delete(d -> d.index(index));
      return Math.round(sum);
    }
  }
}
