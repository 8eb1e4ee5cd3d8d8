package io.tributary.projection;

import static io.tributary.projection.ProjectionHarness.awaitApplied;
import static io.tributary.projection.ProjectionHarness.awaitCounted;
import static io.tributary.projection.ProjectionHarness.awaitEnded;
import static io.tributary.projection.ProjectionHarness.projectionSettings;
import static io.tributary.projection.ProjectionHarness.runtimeSettings;
import static io.tributary.projection.ProjectionHarness.sendAndAwait;
import static io.tributary.projection.ProjectionHarness.BALANCES;
import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.ProjectionHarness.Ledger;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.internal.FaultInjector;
import io.tributary.projection.internal.FaultPoint;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.function.Function;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kills runners at the fault points while commands keep coming, then lets a new runner finish:
 * every view must equal the fold of the accepted commands, with nothing applied twice.
 */
@WithDevServices
class ProjectionCrashIT {
  private static final int CRASHES = 4;
  /** Each runner dies at its third batch, so each one makes some progress first. */
  private static final int CRASH_AT_BATCH = 3;

  @TempDir Path tempDir;
  private final String service = "crash-" + UUID.randomUUID().toString().substring(0, 8);
  private ServiceDefinition definition;
  private ScratchRedis scratch;
  private String bootstrap;

  @BeforeEach
  void setUp(KafkaEndpoint kafka, RedisEndpoint redisEndpoint) {
    definition = Account.service(service);
    bootstrap = kafka.bootstrapServers();
    scratch = new ScratchRedis(redisEndpoint);
  }

  @AfterEach
  void tearDown() {
    scratch.close();
  }

  @ParameterizedTest
  @EnumSource(FaultPoint.class)
  void countersEqualTheEventsAfterRepeatedCrashes(FaultPoint point) throws Exception {
    try (TributaryRuntime runtime = startRuntime();
        RedisViewSink sink = scratch.sink("")) {
      Ledger ledger = crashRepeatedlyUnderLoad(runtime, point,
          faults -> start(BALANCES, sink, faults, new SimpleMeterRegistry()));
      try (ProjectionRunner runner = start(BALANCES, sink, FaultInjector.none(), new SimpleMeterRegistry())) {
        awaitApplied(runner, sink, BALANCES.versionedName(), ledger);
        for (String account : ledger.balances.keySet()) {
          assertThat(scratch.redis.hget(scratch.keyPrefix + "balance:" + account, "cents")).as("balance of %s", account)
              .isEqualTo(String.valueOf(ledger.balances.get(account)));
          assertThat(count(scratch.keyPrefix + "counts:" + account, "deposits")).as("deposits of %s", account)
              .isEqualTo(ledger.deposits.getOrDefault(account, 0L));
          assertThat(count(scratch.keyPrefix + "counts:" + account, "withdrawals")).as("withdrawals of %s", account)
              .isEqualTo(ledger.withdrawals.getOrDefault(account, 0L));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(FaultPoint.class)
  void documentsEqualTheFoldOfTheirEventsAfterRepeatedCrashes(FaultPoint point, ElasticsearchEndpoint endpoint)
      throws Exception {
    String index = "crash-" + UUID.randomUUID();
    ProjectionDefinition<ViewUpdate> accounts = ProjectionDefinition.stateful("accounts",
        AccountState.getDefaultInstance(), (envelope, state) -> {
          AccountState next = fold(state.get(envelope.aggregateId()).orElse(AccountState.getDefaultInstance()),
              (AccountEvent) envelope.event());
          state.put(envelope.aggregateId(), next);
          return List.of(new ViewUpdate.PutDocument(index, envelope.aggregateId(), "{\"balance\":%d,\"deposits\":%d,\"withdrawals\":%d}"
              .formatted(next.getBalance(), next.getDeposits(), next.getWithdrawals())));
        }, Account.TYPE);
    Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", endpoint.host(), endpoint.port())).build(), new JacksonJsonpMapper());
    try (transport; TributaryRuntime runtime = startRuntime();
        ElasticsearchViewSink sink = ElasticsearchViewSink.over(new ElasticsearchClient(transport),
            ElasticsearchViewSinkSettings.defaults().withPositionsIndex(index + "-positions"))) {
      sink.createIndex(index, """
          {"properties":{"balance":{"type":"long"},"deposits":{"type":"long"},"withdrawals":{"type":"long"}}}""");
      Ledger ledger = crashRepeatedlyUnderLoad(runtime, point,
          faults -> start(accounts, sink, faults, new SimpleMeterRegistry()));
      try (ProjectionRunner runner = start(accounts, sink, FaultInjector.none(), new SimpleMeterRegistry())) {
        awaitApplied(runner, sink, accounts.versionedName(), ledger);
        ElasticsearchClient client = new ElasticsearchClient(transport);
        for (String account : ledger.balances.keySet()) {
          ObjectNode document = client.get(get -> get.index(index).id(account), ObjectNode.class).source();
          assertThat(document).as("document of %s", account).isNotNull();
          assertThat(document.get("balance").asLong()).as("balance of %s", account)
              .isEqualTo(ledger.balances.get(account));
          assertThat(document.get("deposits").asLong()).as("deposits of %s", account)
              .isEqualTo(ledger.deposits.getOrDefault(account, 0L));
          assertThat(document.get("withdrawals").asLong()).as("withdrawals of %s", account)
              .isEqualTo(ledger.withdrawals.getOrDefault(account, 0L));
        }
      }
    }
  }

  @Test
  void keyedStateRecoversFromCrashesAfterTheSinkWriteAndFromALostStateDirectory() throws Exception {
    Path snapshots = tempDir.resolve("projections").resolve("snapshots");
    try (TributaryRuntime runtime = startRuntime();
        RedisViewSink crashing = scratch.sink("crash:");
        RedisViewSink reference = scratch.sink("reference:")) {
      ProjectionDefinition<ViewUpdate> totals = totals("totals");
      ProjectionDefinition<ViewUpdate> uninterrupted = totals("totals-reference");
      Ledger ledger;
      try (ProjectionRunner referenceRunner = start(uninterrupted, reference, FaultInjector.none(),
          new SimpleMeterRegistry())) {
        ledger = crashRepeatedlyUnderLoad(runtime, FaultPoint.AFTER_SINK_WRITE,
            faults -> start(totals, crashing, faults, new SimpleMeterRegistry()));
        try (ProjectionRunner runner = start(totals, crashing, FaultInjector.none(), new SimpleMeterRegistry())) {
          awaitApplied(runner, crashing, totals.versionedName(), ledger);
        }
        awaitApplied(referenceRunner, reference, uninterrupted.versionedName(), ledger);
      }
      assertTotals(ledger, "crash:");
      assertTotals(ledger, "reference:");
      for (String account : ledger.balances.keySet()) {
        assertThat(scratch.redis.get(scratch.keyPrefix + "crash:total:" + account)).as("total of %s", account)
            .isEqualTo(scratch.redis.get(scratch.keyPrefix + "reference:total:" + account));
      }

      // the graceful close above snapshotted every partition; lose the local state
      String storeName = service + "." + totals.versionedName();
      assertThat(snapshotCount(storeName)).as("snapshots taken when the partitions were revoked").isPositive();
      deleteRecursively(tempDir.resolve("projections").resolve(storeName));
      int before = ledger.acceptedEvents;
      ledger.record(sendAndAwait(runtime, 1_000, 60));
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (ProjectionRunner runner = start(totals, crashing, FaultInjector.none(), meters)) {
        awaitApplied(runner, crashing, totals.versionedName(), ledger);
        awaitCounted(meters, ledger.acceptedEvents - before, runner);
        assertThat(meters.get("tributary.projection.events").counter().count())
            .as("restored from the snapshots, the runner replays nothing it had applied")
            .isEqualTo(ledger.acceptedEvents - before);
      }
      assertTotals(ledger, "crash:");

      // lose the snapshots too: the state is rebuilt from the start of the log
      deleteRecursively(tempDir.resolve("projections").resolve(storeName));
      deleteRecursively(snapshots);
      ledger.record(sendAndAwait(runtime, 2_000, 40));
      SimpleMeterRegistry replaying = new SimpleMeterRegistry();
      try (ProjectionRunner runner = start(totals, crashing, FaultInjector.none(), replaying)) {
        awaitApplied(runner, crashing, totals.versionedName(), ledger);
        awaitCounted(replaying, ledger.acceptedEvents, runner);
        assertThat(replaying.get("tributary.projection.events").counter().count())
            .as("without state or snapshots, every event is replayed (the sink skips those it holds)")
            .isEqualTo(ledger.acceptedEvents);
      }
      assertTotals(ledger, "crash:");
    }
  }

  /** Per account: running totals kept in keyed state, written whole with PutValue. */
  private static ProjectionDefinition<ViewUpdate> totals(String name) {
    return ProjectionDefinition.stateful(name, AccountState.getDefaultInstance(), (envelope, state) -> {
      AccountState next = fold(state.get(envelope.aggregateId()).orElse(AccountState.getDefaultInstance()),
          (AccountEvent) envelope.event());
      state.put(envelope.aggregateId(), next);
      return List.of(new ViewUpdate.PutValue("total:" + envelope.aggregateId(), render(next.getBalance(),
          next.getDeposits(), next.getWithdrawals())));
    }, Account.TYPE);
  }

  private void assertTotals(Ledger ledger, String namespace) {
    assertThat(ledger.balances).isNotEmpty();
    for (String account : ledger.balances.keySet()) {
      assertThat(scratch.redis.get(scratch.keyPrefix + namespace + "total:" + account))
          .as("%s total of %s", namespace, account)
          .isEqualTo(render(ledger.balances.get(account), ledger.deposits.getOrDefault(account, 0L),
              ledger.withdrawals.getOrDefault(account, 0L)));
    }
  }

  private static String render(long balance, long deposits, long withdrawals) {
    return balance + "/" + deposits + "/" + withdrawals;
  }

  private static AccountState fold(AccountState state, AccountEvent event) {
    return new Account().evolve(state, event);
  }

  /**
   * Sends commands before and while runners are started and killed at {@code point}, {@link
   * #CRASHES} times; returns the fold of every accepted command once the sending is done.
   */
  private Ledger crashRepeatedlyUnderLoad(TributaryRuntime runtime, FaultPoint point,
      Function<FaultInjector, ProjectionRunner> starter) throws Exception {
    Ledger ledger = new Ledger();
    // one command first: a burst into the service's just-created commands topic can wedge the
    // runtime's ingress producer (NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER forever)
    ledger.record(sendAndAwait(runtime, "warm-up-", List.of(Account.deposit("acct-0", 10))));
    ledger.record(sendAndAwait(runtime, 0, 200));
    CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
      try {
        for (int round = 0; round < 6; round++) {
          ledger.record(sendAndAwait(runtime, 200 + round * 25, 25));
        }
      } catch (Exception e) {
        throw new IllegalStateException("Sending the load failed", e);
      }
    });
    for (int crash = 0; crash < CRASHES; crash++) {
      try (ProjectionRunner runner = starter.apply(new CrashAt(point, CRASH_AT_BATCH))) {
        awaitEnded(runner);
        assertThat(runner.failure()).as("why runner %d ended", crash)
            .isInstanceOf(FaultInjector.SimulatedCrash.class).hasMessageContaining(point.name());
      }
    }
    load.join();
    return ledger;
  }

  private ProjectionRunner start(ProjectionDefinition<ViewUpdate> projection, ViewSink sink, FaultInjector faults,
      SimpleMeterRegistry meters) {
    return ProjectionRunner.start(definition, projection, sink,
        projectionSettings(bootstrap, tempDir.resolve("projections")).withMaxBatchRecords(10), meters, faults);
  }

  private TributaryRuntime startRuntime() {
    return TributaryRuntime.start(definition, runtimeSettings(bootstrap, tempDir.resolve("runtime")),
        new SimpleMeterRegistry());
  }

  private long count(String key, String field) {
    String value = scratch.redis.hget(key, field);
    return value == null ? 0 : Long.parseLong(value);
  }

  private int snapshotCount(String storeName) {
    int count = 0;
    for (int partition = 0; partition < ProjectionHarness.PARTITIONS; partition++) {
      count += projectionSettings(bootstrap, tempDir.resolve("projections")).snapshots().list(storeName, partition)
          .size();
    }
    return count;
  }

  /** Crashes at the {@code nth} time the runner reaches {@code point}. */
  private static final class CrashAt implements FaultInjector {
    private final FaultPoint point;
    private final int nth;
    // batches of several partitions reach the points on several threads at once
    private final AtomicInteger reached = new AtomicInteger();

    CrashAt(FaultPoint point, int nth) {
      this.point = point;
      this.nth = nth;
    }

    @Override
    public void at(FaultPoint reachedPoint) {
      if (reachedPoint == point && reached.incrementAndGet() == nth) {
        throw new SimulatedCrash(point);
      }
    }

    @Override
    public boolean splitsSinkWrites() {
      return point == FaultPoint.MID_SINK_WRITE;
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
