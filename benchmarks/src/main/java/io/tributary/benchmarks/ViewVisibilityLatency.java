package io.tributary.benchmarks;

import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.ProjectionRunner;
import io.tributary.projection.ProjectionSettings;
import io.tributary.projection.redis.RedisViewSink;
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
 * How long after a command's reply is its effect visible in the read model? A runtime and a
 * projection runner into Redis run together; one deposit at a time goes to a new account through
 * {@code CommandGateway.send}, and from the moment its accepted reply arrives the view key ({@code
 * counts:<account>}, field {@code deposits}) is read directly with {@code HGET} in a loop until it
 * holds 1. The query service that will serve views with read-your-writes is not used: the key is
 * read directly, so this is the projection's lag, without the query service's own costs.
 */
final class ViewVisibilityLatency {
  private static final Duration WAIT_PER_COMMAND = Duration.ofSeconds(30);

  /**
   * @param replyNanos per recorded command, from send to the accepted reply
   * @param visibleNanos per recorded command, from the reply to the view holding its effect
   */
  record Result(long[] replyNanos, long[] visibleNanos) {}

  private final BenchKafka kafka;
  private final ReadSideSettings settings;

  ViewVisibilityLatency(BenchKafka kafka, ReadSideSettings settings) {
    this.kafka = kafka;
    this.settings = settings;
  }

  Result run(String serviceName, Path stateDir, RedisViewSink sink, RedisCommands<String, String> redis)
      throws Exception {
    ServiceDefinition service = Account.service(serviceName);
    RuntimeSettings runtimeSettings = RuntimeSettings.defaults(kafka.bootstrapServers(), stateDir)
        .withPartitions(kafka.partitions())
        .withKafkaProperties(kafka.clientProperties());
    ProjectionSettings runnerSettings = ProjectionSettings.defaults(kafka.bootstrapServers())
        .withMaxBatchRecords(settings.maxBatchRecords())
        .withPollTimeout(ReadSideSettings.POLL_TIMEOUT);
    int warmups = settings.latencyWarmupCommands();
    int recorded = settings.latencyCommands();
    long[] reply = new long[recorded];
    long[] visible = new long[recorded];
    String prefix = sink.settings().keyPrefix();
    Progress progress = new Progress();
    try (TributaryRuntime runtime = TributaryRuntime.start(service, runtimeSettings, new SimpleMeterRegistry());
        ProjectionRunner runner = ProjectionRunner.start(service, ReadSideProjections.balances("latency"), sink,
            runnerSettings, new SimpleMeterRegistry())) {
      for (int i = 0; i < warmups + recorded; i++) {
        String account = "lat-" + i;
        long sent = System.nanoTime();
        CommandOutcome outcome = runtime.commands().send(new SendCommand("lat-cmd-" + i, Account.TYPE,
            Account.deposit(account, 1).toByteArray(), null)).get(WAIT_PER_COMMAND.toSeconds(), TimeUnit.SECONDS);
        long replied = System.nanoTime();
        if (!(outcome instanceof CommandOutcome.Accepted)) {
          throw new IllegalStateException("Deposit to " + account + " was not accepted: " + outcome);
        }
        String key = prefix + "counts:" + account;
        while (!"1".equals(redis.hget(key, "deposits"))) {
          if (System.nanoTime() - replied > WAIT_PER_COMMAND.toNanos()) {
            throw new IllegalStateException(key + " did not show the deposit within " + WAIT_PER_COMMAND
                + "; runner " + runner + ", failure " + runner.failure());
          }
        }
        long seen = System.nanoTime();
        if (i >= warmups) {
          reply[i - warmups] = replied - sent;
          visible[i - warmups] = seen - replied;
        }
        if (progress.due()) {
          Progress.print("  latency: %d / %d commands (%d warm-up)", i + 1, warmups + recorded, warmups);
        }
      }
    }
    return new Result(reply, visible);
  }

  /** @return the {@code q} quantile (0..1) of {@code nanos} in milliseconds, by the nearest rank */
  static double percentileMillis(long[] nanos, double q) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
  }
}
