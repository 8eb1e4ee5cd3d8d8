package io.tributary.benchmarks;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.ProjectionRunner;
import io.tributary.projection.ProjectionSettings;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.projection.redis.RedisViewVersions;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * How long after a command's reply is its effect visible in the read model? A runtime, a projection
 * runner into Redis and a gRPC query service over its view run together; one deposit at a time goes
 * to a new account through {@code CommandGateway.send}. From the moment its accepted reply arrives,
 * every other deposit is read back directly ({@code HGET counts:<account> deposits} in a loop until
 * it holds 1: the projection's lag alone), and the others through the query service with the
 * reply's position token (one call that waits for the view to reach the token: what a client of
 * read-your-writes sees).
 */
final class ViewVisibilityLatency {
  private static final Duration WAIT_PER_COMMAND = Duration.ofSeconds(30);
  private static final String BASE_PREFIX = "latency:";

  /**
   * @param replyNanos per recorded command, from send to the accepted reply
   * @param visibleNanos per recorded command read directly, from the reply to the view holding its effect
   * @param queriedNanos per recorded command read through the query service, from the reply to the answer
   */
  record Result(long[] replyNanos, long[] visibleNanos, long[] queriedNanos) {}

  private final BenchKafka kafka;
  private final ReadSideSettings settings;

  ViewVisibilityLatency(BenchKafka kafka, ReadSideSettings settings) {
    this.kafka = kafka;
    this.settings = settings;
  }

  Result run(String serviceName, Path stateDir, RedisURI redisUri, StatefulRedisConnection<String, String> connection)
      throws Exception {
    ServiceDefinition service = QueryPath.service(serviceName);
    ProjectionDefinition<ViewUpdate> projection = ReadSideProjections.balances("latency");
    RuntimeSettings runtimeSettings = RuntimeSettings.defaults(kafka.bootstrapServers(), stateDir)
        .withPartitions(kafka.partitions())
        .withKafkaProperties(kafka.clientProperties());
    ProjectionSettings runnerSettings = ProjectionSettings.defaults(kafka.bootstrapServers())
        .withMaxBatchRecords(settings.maxBatchRecords())
        .withParallelism(settings.parallelism())
        .withPollTimeout(ReadSideSettings.POLL_TIMEOUT);
    int warmups = settings.latencyWarmupCommands();
    int recorded = settings.latencyCommands();
    long[] reply = new long[recorded];
    long[] visible = new long[(recorded + 1) / 2];
    long[] queried = new long[recorded / 2];
    String prefix = ViewNames.redisPrefix(BASE_PREFIX, projection.name(), projection.version());
    RedisViewVersions.over(connection, BASE_PREFIX).publish(projection.name(), projection.version());
    RedisCommands<String, String> redis = connection.sync();
    Progress progress = new Progress();
    try (RedisViewSink sink = RedisViewSink.connect(redisUri,
            RedisViewSinkSettings.forVersion(BASE_PREFIX, projection.name(), projection.version()));
        TributaryRuntime runtime = TributaryRuntime.start(service, runtimeSettings, new SimpleMeterRegistry());
        ProjectionRunner runner = ProjectionRunner.start(service, projection, sink, runnerSettings,
            new SimpleMeterRegistry());
        QueryPath queries = QueryPath.start(service, projection.name(), BASE_PREFIX, connection)) {
      for (int i = 0; i < warmups + recorded; i++) {
        String account = "lat-" + i;
        long sent = System.nanoTime();
        CommandOutcome outcome = runtime.commands().send(new SendCommand("lat-cmd-" + i, Account.TYPE,
            Account.deposit(account, 1).toByteArray(), null)).get(WAIT_PER_COMMAND.toSeconds(), TimeUnit.SECONDS);
        long replied = System.nanoTime();
        if (!(outcome instanceof CommandOutcome.Accepted accepted) || accepted.lastEvent().isEmpty()) {
          throw new IllegalStateException("Deposit to " + account + " was not accepted with an event: " + outcome);
        }
        boolean direct = i % 2 == 0;
        if (direct) {
          String key = prefix + "counts:" + account;
          while (!"1".equals(redis.hget(key, "deposits"))) {
            if (System.nanoTime() - replied > WAIT_PER_COMMAND.toNanos()) {
              throw new IllegalStateException(key + " did not show the deposit within " + WAIT_PER_COMMAND
                  + "; runner " + runner + ", failure " + runner.failure());
            }
          }
        } else {
          long deposits = queries.depositsAfter(account, accepted.lastEvent().get());
          if (deposits != 1) {
            throw new IllegalStateException("The query service answered " + deposits + " deposits for " + account
                + " with the token of its first deposit; read-your-writes is broken");
          }
        }
        long seen = System.nanoTime();
        if (i >= warmups) {
          int n = i - warmups;
          reply[n] = replied - sent;
          if (direct) {
            visible[n / 2] = seen - replied;
          } else {
            queried[n / 2] = seen - replied;
          }
        }
        if (progress.due()) {
          Progress.print("  latency: %d / %d commands (%d warm-up)", i + 1, warmups + recorded, warmups);
        }
      }
    }
    return new Result(reply, visible, queried);
  }

  /** @return the {@code q} quantile (0..1) of {@code nanos} in milliseconds, by the nearest rank */
  static double percentileMillis(long[] nanos, double q) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
  }
}
