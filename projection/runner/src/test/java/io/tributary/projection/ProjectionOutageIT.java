package io.tributary.projection;

import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static io.tributary.projection.ProjectionHarness.BALANCES;
import static io.tributary.projection.ProjectionHarness.awaitCounted;
import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.TransientException;
import io.tributary.devservices.ElasticsearchDevServer;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisDevServer;
import io.tributary.projection.ProjectionHarness.Ledger;
import io.tributary.projection.ProjectionHarness.Sent;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A projection under a steady command load while its store goes away for longer than a few retries
 * and comes back: the runner retries with backoff (the sink's transient failures are counted by a
 * pass-through wrapper), keeps its partitions running, catches up, and the views equal the fold of
 * the accepted commands: nothing lost, nothing applied twice. The stores are the shared dev
 * services; each test restarts the one it stopped in a {@code finally}.
 */
@WithDevServices
class ProjectionOutageIT {
  private static final int PARTITIONS = 4;
  private static final int ACCOUNTS = 20;
  private static final Duration COMMAND_INTERVAL = Duration.ofMillis(10);
  private static final Duration OUTAGE = Duration.ofSeconds(8);
  private static final Duration CATCH_UP = Duration.ofSeconds(120);
  private static final Map<String, String> FAST_GROUPS = Map.of("session.timeout.ms", "6000",
      "heartbeat.interval.ms", "500");

  @TempDir Path stateDir;
  private final String service = "outage-" + UUID.randomUUID().toString().substring(0, 8);
  private ServiceDefinition definition;
  private String bootstrap;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    definition = Account.service(service);
    bootstrap = kafka.bootstrapServers();
  }

  @Test
  void redisStoppedUnderLoadIsRetriedAndTheCountersEqualTheEventsOnceItIsBack(RedisDevServer redisServer)
      throws Exception {
    String keyPrefix = "outage-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    RedisViewSinkSettings sinkSettings = RedisViewSinkSettings.defaults().withKeyPrefix(keyPrefix)
        .withCommandTimeout(Duration.ofSeconds(1));
    RedisClient readClient = RedisClient.create(RedisURI.create(redisServer.endpoint().uri()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Ledger ledger = new Ledger();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(), new SimpleMeterRegistry());
        RedisViewSink redisSink = RedisViewSink.connect(RedisURI.create(redisServer.endpoint().uri()), sinkSettings);
        FailureCountingSink sink = new FailureCountingSink(redisSink);
        ProjectionRunner runner = ProjectionRunner.start(definition, BALANCES, sink, outageSettings(), meters);
        Load load = new Load(runtime)) {
      int sentDuringOutage = outage(load, sink, runner, redisServer::stop, redisServer::restart);
      ledger.record(load.stopAndAwait());
      assertThat(ledger.lastOffsets()).as("partitions with events").isNotEmpty();

      assertThat(sentDuringOutage).as("commands sent while Redis was away").isGreaterThan(100);
      assertThat(sink.transientFailures()).as("sink calls that failed transiently and were retried")
          .isGreaterThanOrEqualTo(3);
      awaitTrue("the sink holds the last event of every partition", () -> reached(redisSink, BALANCES.versionedName(), ledger), runner);
      awaitCounted(meters, ledger.acceptedEvents, runner);
      assertThat(runner.stoppedPartitions()).isEmpty();
      assertThat(meters.get("tributary.projection.events").counter().count())
          .as("events given to the sink once each, however many times a batch was retried")
          .isEqualTo(ledger.acceptedEvents);
      try (StatefulRedisConnection<String, String> connection = readClient.connect()) {
        assertCountersEqual(connection.sync(), keyPrefix, ledger);
        List<String> keys = connection.sync().keys(keyPrefix + "*");
        connection.sync().del(keys.toArray(String[]::new));
      }
    } finally {
      readClient.shutdown();
    }
  }

  @Test
  void elasticsearchStoppedUnderLoadIsRetriedAndTheDocumentsEqualTheEventsOnceItIsBack(
      ElasticsearchDevServer elasticsearch) throws Exception {
    String events = "outage-events-" + UUID.randomUUID().toString().substring(0, 8);
    String accounts = events.replace("events", "accounts");
    ProjectionDefinition<ViewUpdate> documents = ProjectionDefinition.of("documents", envelope -> {
      AccountEvent event = (AccountEvent) envelope.event();
      String account = envelope.aggregateId();
      long amount = event.hasDeposited() ? event.getDeposited().getAmount() : -event.getWithdrawn().getAmount();
      return List.of(
          new ViewUpdate.PutDocument(events, account + "-" + envelope.sequence(),
              "{\"account\":\"%s\",\"amount\":%d}".formatted(account, amount)),
          new ViewUpdate.PutDocument(accounts, account,
              "{\"account\":\"%s\",\"sequence\":%d}".formatted(account, envelope.sequence())));
    }, Account.TYPE);
    ElasticsearchViewSinkSettings sinkSettings = ElasticsearchViewSinkSettings.defaults()
        .withPositionsIndex(events + "-positions");
    Ledger ledger = new Ledger();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(), new SimpleMeterRegistry());
        ElasticsearchViewSink esSink = ElasticsearchViewSink.connect(elasticsearch.httpUri(), sinkSettings);
        FailureCountingSink sink = new FailureCountingSink(esSink);
        ProjectionRunner runner = ProjectionRunner.start(definition, documents, sink, outageSettings(), meters);
        Load load = new Load(runtime)) {
      int sentDuringOutage = outage(load, sink, runner, elasticsearch::stop, elasticsearch::restart);
      ledger.record(load.stopAndAwait());
      assertThat(ledger.lastOffsets()).as("partitions with events").isNotEmpty();

      assertThat(sentDuringOutage).as("commands sent while Elasticsearch was away").isGreaterThan(100);
      assertThat(sink.transientFailures()).as("sink calls that failed transiently and were retried")
          .isGreaterThanOrEqualTo(3);
      awaitTrue("the sink holds the last event of every partition", () -> reached(esSink, documents.versionedName(), ledger), runner);
      awaitCounted(meters, ledger.acceptedEvents, runner);
      assertThat(runner.stoppedPartitions()).isEmpty();
      assertThat(meters.get("tributary.projection.events").counter().count()).isEqualTo(ledger.acceptedEvents);
      assertDocumentsEqual(elasticsearch, events, accounts, ledger);
    }
  }

  /**
   * Lets the runner apply the load for 2 s, takes the store away for {@link #OUTAGE} under the
   * same load, brings it back (also if the wait fails) and lets the load run 1 s more.
   *
   * @return how many commands were sent while the store was away
   */
  private static int outage(Load load, FailureCountingSink sink, ProjectionRunner runner, Runnable stop,
      Runnable restart) throws InterruptedException {
    awaitTrue("the runner applies events before the outage", () -> sink.appliedBatches() > 0, runner);
    Thread.sleep(2_000);
    int sentBefore = load.sent();
    stop.run();
    try {
      Thread.sleep(OUTAGE.toMillis());
    } finally {
      restart.run();
    }
    int sentDuring = load.sent() - sentBefore;
    Thread.sleep(1_000);
    return sentDuring;
  }

  private void assertDocumentsEqual(ElasticsearchDevServer node, String events, String accounts, Ledger ledger)
      throws IOException {
    try (Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", node.host(), node.httpPort())).build(), new JacksonJsonpMapper())) {
      ElasticsearchClient client = new ElasticsearchClient(transport);
      client.indices().refresh(r -> r.index(events, accounts));
      assertThat(client.count(c -> c.index(events)).count()).as("one document per accepted event")
          .isEqualTo(ledger.acceptedEvents);
      for (Map.Entry<String, Long> account : ledger.eventsPerAccount().entrySet()) {
        ObjectNode document = client.get(g -> g.index(accounts).id(account.getKey()), ObjectNode.class).source();
        assertThat(document).as("document of %s", account.getKey()).isNotNull();
        assertThat(document.get("sequence").asLong()).as("last sequence of %s", account.getKey())
            .isEqualTo(account.getValue());
      }
      client.indices().delete(d -> d.index(events, accounts, events + "-positions"));
    }
  }

  private static void assertCountersEqual(RedisCommands<String, String> redis, String keyPrefix, Ledger ledger) {
    assertThat(ledger.balances).hasSize(ACCOUNTS);
    for (String account : ledger.balances.keySet()) {
      assertThat(redis.hget(keyPrefix + "balance:" + account, "cents")).as("balance of %s", account)
          .isEqualTo(String.valueOf(ledger.balances.get(account)));
      assertThat(counter(redis.hget(keyPrefix + "counts:" + account, "deposits"))).as("deposits of %s", account)
          .isEqualTo(ledger.deposits.getOrDefault(account, 0L));
      assertThat(counter(redis.hget(keyPrefix + "counts:" + account, "withdrawals"))).as("withdrawals of %s", account)
          .isEqualTo(ledger.withdrawals.getOrDefault(account, 0L));
    }
  }

  private static long counter(String value) {
    return value == null ? 0L : Long.parseLong(value);
  }

  /** @return whether the sink holds, on every partition, the last event of the accepted commands */
  private static boolean reached(ViewSink sink, String projection, Ledger ledger) {
    for (Map.Entry<Integer, Long> last : ledger.lastOffsets().entrySet()) {
      OptionalLong held = sink.position(projection, last.getKey());
      if (held.isEmpty() || held.getAsLong() < last.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static void awaitTrue(String what, BooleanSupplier condition, ProjectionRunner runner)
      throws InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    while (!condition.getAsBoolean()) {
      if (!runner.stoppedPartitions().isEmpty() || !runner.isRunning()) {
        throw new AssertionError("Waiting until " + what + ", the runner stopped: partitions "
            + runner.stoppedPartitions() + ", failure " + runner.failure());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Not true within " + CATCH_UP + ": " + what + "; runner " + runner);
      }
      Thread.sleep(50);
    }
  }

  private RuntimeSettings runtimeSettings() {
    return RuntimeSettings.defaults(bootstrap, stateDir).withPartitions(PARTITIONS)
        .withPollTimeout(Duration.ofMillis(20)).withKafkaProperties(FAST_GROUPS);
  }

  /** Retries from 100 ms doubling to 1 s, for up to about 3 minutes: longer than any outage here. */
  private ProjectionSettings outageSettings() {
    return ProjectionSettings.defaults(bootstrap).withPollTimeout(Duration.ofMillis(20))
        .withKafkaProperties(FAST_GROUPS).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
        .withMaxAttempts(200);
  }

  /**
   * Sends a deposit or withdrawal every 10 ms over 20 accounts from its own thread, keeping every
   * command with the future of its outcome.
   */
  private static final class Load implements AutoCloseable {
    private final TributaryRuntime runtime;
    private final List<Pending> pending = new ArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stopping;

    Load(TributaryRuntime runtime) {
      this.runtime = runtime;
      this.thread = Thread.ofPlatform().name("outage-load").start(this::run);
    }

    private void run() {
      String run = UUID.randomUUID().toString().substring(0, 8);
      for (int i = 0; !stopping; i++) {
        String account = "acct-" + (i % ACCOUNTS);
        AccountCommand command = i % 3 == 2 ? withdraw(account, 25) : deposit(account, 10 + i % 7);
        CompletableFuture<CommandOutcome> outcome = runtime.commands()
            .send(new SendCommand(run + "-" + i, Account.TYPE, command.toByteArray(), null));
        synchronized (pending) {
          pending.add(new Pending(command, outcome));
        }
        count.incrementAndGet();
        try {
          Thread.sleep(COMMAND_INTERVAL);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    int sent() {
      return count.get();
    }

    /** Stops sending and waits for the outcome of every command sent. */
    List<Sent> stopAndAwait() throws Exception {
      close();
      List<Sent> decided = new ArrayList<>();
      synchronized (pending) {
        for (Pending each : pending) {
          decided.add(new Sent(each.command(), each.outcome().get(60, TimeUnit.SECONDS)));
        }
      }
      return decided;
    }

    @Override
    public void close() throws InterruptedException {
      stopping = true;
      thread.join(Duration.ofSeconds(10));
    }

    private record Pending(AccountCommand command, CompletableFuture<CommandOutcome> outcome) {}
  }

  /** A pass-through sink that counts the transient failures the runner saw and retried. */
  private static final class FailureCountingSink implements ViewSink {
    private final ViewSink sink;
    private final AtomicInteger transientFailures = new AtomicInteger();
    private final AtomicInteger appliedBatches = new AtomicInteger();

    FailureCountingSink(ViewSink sink) {
      this.sink = sink;
    }

    @Override
    public void apply(String projection, int partition, List<SourcedUpdates> batch) {
      try {
        sink.apply(projection, partition, batch);
        appliedBatches.incrementAndGet();
      } catch (TransientException e) {
        transientFailures.incrementAndGet();
        throw e;
      }
    }

    @Override
    public OptionalLong position(String projection, int partition) {
      try {
        return sink.position(projection, partition);
      } catch (TransientException e) {
        transientFailures.incrementAndGet();
        throw e;
      }
    }

    @Override
    public Set<Class<? extends ViewUpdate>> supports() {
      return sink.supports();
    }

    int transientFailures() {
      return transientFailures.get();
    }

    int appliedBatches() {
      return appliedBatches.get();
    }

    @Override
    public void close() {
      // the wrapped sink is closed by its owner
    }
  }
}
