package io.tributary.projection;

import static io.tributary.projection.ProjectionHarness.awaitApplied;
import static io.tributary.projection.ProjectionHarness.projectionSettings;
import static io.tributary.projection.ProjectionHarness.runtimeSettings;
import static io.tributary.projection.ProjectionHarness.sendAndAwait;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.ProjectionHarness.Ledger;
import io.tributary.projection.ProjectionHarness.Sent;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.Position;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithDevServices
class ParkingIT {
  /** Per event of an account other than the poisoned ones: balance and counts, as in ProjectionRunnerIT. */
  private static final ProjectionDefinition<ViewUpdate> BALANCES = ProjectionDefinition.of("balances", envelope -> {
    AccountEvent event = (AccountEvent) envelope.event();
    String account = envelope.aggregateId();
    if (account.equals("acct-poison")) {
      throw new IllegalStateException("cannot project " + account);
    }
    List<ViewUpdate> updates = new ArrayList<>();
    switch (event.getKindCase()) {
      case DEPOSITED -> {
        updates.add(new ViewUpdate.Increment("balance:" + account, "cents", event.getDeposited().getAmount()));
        updates.add(new ViewUpdate.Increment("counts:" + account, "deposits", 1));
        if (account.equals("acct-typed")) {
          // a deposit of 2 counts in a hash at the key, which the sink refuses (WRONGTYPE) while
          // the string the other deposits write is in place
          updates.add(event.getDeposited().getAmount() == 2
              ? new ViewUpdate.Increment("label:" + account, "n", 1)
              : new ViewUpdate.PutValue("label:" + account, "plain"));
        }
      }
      case WITHDRAWN -> {
        updates.add(new ViewUpdate.Increment("balance:" + account, "cents", -event.getWithdrawn().getAmount()));
        updates.add(new ViewUpdate.Increment("counts:" + account, "withdrawals", 1));
      }
      case KIND_NOT_SET -> throw new IllegalStateException("AccountEvent without a kind: " + envelope.eventId());
    }
    return updates;
  }, Account.TYPE);

  @TempDir Path stateDir;
  private final String service = "park-" + UUID.randomUUID().toString().substring(0, 8);
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

  @Test
  void parksAnEventTheHandlerCannotProjectWithItsSourceAndErrorAndAppliesTheEventsAfterIt() throws Exception {
    ProjectionDefinition<ViewUpdate> parking = BALANCES.parkingFailures();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir),
        new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      Ledger ledger = new Ledger();
      ledger.record(sendAndAwait(runtime, 0, 40));
      Position poison = sendAndAwait(runtime, "poison-", List.of(deposit("acct-poison", 5))).getFirst().lastEvent();
      ledger.record(sendAndAwait(runtime, 40, 60));
      ledger.passes(poison.partition(), poison.offset());

      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (ProjectionRunner runner = ProjectionRunner.start(definition, parking, sink,
          projectionSettings(bootstrap, stateDir), meters)) {
        awaitApplied(runner, sink, parking.versionedName(), ledger);
        assertViews(ledger);
        assertThat(scratch.redis.exists(scratch.keyPrefix + "balance:acct-poison")).isZero();
        ProjectionStatus status = runner.status();
        assertThat(status.stopped()).isEmpty();
        assertThat(status.parked()).isEqualTo(1);
        assertThat(status.partitions().get(poison.partition()).parked()).isEqualTo(1);
        assertThat(meters.get("tributary.projection.parked").tag("partition", String.valueOf(poison.partition()))
            .counter().count()).isEqualTo(1.0);
      }

      List<ConsumerRecord<byte[], byte[]>> parked = readAll(ParkedEventHeaders.topic(service, "balances"), 1);
      assertThat(parked).hasSize(1);
      ConsumerRecord<byte[], byte[]> record = parked.getFirst();
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("acct-poison");
      assertThat(record.value()).isEqualTo(eventAt(poison).value());
      assertThat(header(record, ParkedEventHeaders.SOURCE_TOPIC)).isEqualTo(service + ".events");
      assertThat(header(record, ParkedEventHeaders.SOURCE_PARTITION)).isEqualTo(String.valueOf(poison.partition()));
      assertThat(header(record, ParkedEventHeaders.SOURCE_OFFSET)).isEqualTo(String.valueOf(poison.offset()));
      assertThat(header(record, ParkedEventHeaders.PROJECTION)).isEqualTo("balances");
      assertThat(header(record, ParkedEventHeaders.VERSION)).isEqualTo("1");
      assertThat(header(record, ParkedEventHeaders.ERROR)).contains("cannot project acct-poison");
    }
  }

  @Test
  void parksAnEventTheSinkRefusesAndAppliesTheRestOfItsBatch() throws Exception {
    ProjectionDefinition<ViewUpdate> parking = BALANCES.parkingFailures();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir),
        new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      Ledger ledger = new Ledger();
      ledger.record(sendAndAwait(runtime, 0, 30));
      List<Sent> typed = sendAndAwait(runtime, "typed-", List.of(deposit("acct-typed", 1), deposit("acct-typed", 2),
          deposit("acct-typed", 4)));
      ledger.record(sendAndAwait(runtime, 30, 30));
      Position refused = typed.get(1).lastEvent();
      typed.forEach(sent -> ledger.passes(sent.lastEvent().partition(), sent.lastEvent().offset()));

      // every event is in the log before the runner starts: one poll, one batch per partition
      try (ProjectionRunner runner = ProjectionRunner.start(definition, parking, sink,
          projectionSettings(bootstrap, stateDir))) {
        awaitApplied(runner, sink, parking.versionedName(), ledger);
        assertViews(ledger);
        assertThat(scratch.redis.hget(scratch.keyPrefix + "balance:acct-typed", "cents"))
            .as("the deposits of 1 and 4 apply, the refused one of 2 does not").isEqualTo("5");
        assertThat(scratch.redis.hget(scratch.keyPrefix + "counts:acct-typed", "deposits")).isEqualTo("2");
        assertThat(scratch.redis.get(scratch.keyPrefix + "label:acct-typed")).isEqualTo("plain");
        assertThat(runner.status().parked()).isEqualTo(1);
        assertThat(runner.status().stopped()).isEmpty();
      }

      List<ConsumerRecord<byte[], byte[]>> parked = readAll(ParkedEventHeaders.topic(service, "balances"), 1);
      assertThat(parked).hasSize(1);
      assertThat(header(parked.getFirst(), ParkedEventHeaders.SOURCE_OFFSET)).isEqualTo(String.valueOf(refused.offset()));
      assertThat(header(parked.getFirst(), ParkedEventHeaders.ERROR)).contains("WRONGTYPE");
      assertThat(new String(parked.getFirst().key(), StandardCharsets.UTF_8)).isEqualTo("acct-typed");
      assertThat(parked.getFirst().value()).isEqualTo(eventAt(refused).value());
    }
  }

  @Test
  void aStatefulProjectionRebuildingItsStateDoesNotParkAnEventTwice() throws Exception {
    ProjectionDefinition<ViewUpdate> totals = ProjectionDefinition.stateful("totals", AccountState.getDefaultInstance(),
        (envelope, state) -> {
          if (envelope.aggregateId().equals("acct-poison")) {
            throw new IllegalStateException("cannot project " + envelope.aggregateId());
          }
          AccountState next = new Account().evolve(state.get(envelope.aggregateId())
              .orElse(AccountState.getDefaultInstance()), (AccountEvent) envelope.event());
          state.put(envelope.aggregateId(), next);
          return List.<ViewUpdate>of(new ViewUpdate.PutValue("total:" + envelope.aggregateId(),
              String.valueOf(next.getBalance())));
        }, Account.TYPE).parkingFailures();
    Path projections = stateDir.resolve("projections");
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap,
        stateDir.resolve("runtime")), new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      Ledger ledger = new Ledger();
      ledger.record(sendAndAwait(runtime, 0, 30));
      Position poison = sendAndAwait(runtime, "poison-", List.of(deposit("acct-poison", 5))).getFirst().lastEvent();
      ledger.record(sendAndAwait(runtime, 30, 30));
      ledger.passes(poison.partition(), poison.offset());
      try (ProjectionRunner runner = ProjectionRunner.start(definition, totals, sink,
          projectionSettings(bootstrap, projections))) {
        awaitApplied(runner, sink, totals.versionedName(), ledger);
        assertThat(runner.status().parked()).isEqualTo(1);
      }

      // without local state or snapshots the runner replays every partition from the start
      deleteRecursively(projections);
      ledger.record(sendAndAwait(runtime, 60, 20));
      try (ProjectionRunner runner = ProjectionRunner.start(definition, totals, sink,
          projectionSettings(bootstrap, projections))) {
        awaitApplied(runner, sink, totals.versionedName(), ledger);
        assertThat(runner.status().parked()).as("the poison event was parked by the first runner").isZero();
        assertThat(runner.status().stopped()).isEmpty();
      }
      for (String account : ledger.balances.keySet()) {
        assertThat(scratch.redis.get(scratch.keyPrefix + "total:" + account)).as("total of %s", account)
            .isEqualTo(String.valueOf(ledger.balances.get(account)));
      }
      assertThat(readAll(ParkedEventHeaders.topic(service, "totals"), 1)).hasSize(1);
    }
  }

  @Test
  void stopsThePartitionInsteadWhenTheProjectionDoesNotPark() throws Exception {
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(bootstrap, stateDir),
        new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      sendAndAwait(runtime, 0, 10);
      Position poison = sendAndAwait(runtime, "poison-", List.of(deposit("acct-poison", 5))).getFirst().lastEvent();
      try (ProjectionRunner runner = ProjectionRunner.start(definition, BALANCES, sink,
          projectionSettings(bootstrap, stateDir))) {
        long deadline = System.nanoTime() + ProjectionHarness.WAIT.toNanos();
        while (!runner.status().stopped().containsKey(poison.partition()) && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(runner.status().stopped()).containsOnlyKeys(poison.partition());
        assertThat(runner.status().stopped().get(poison.partition())).contains("cannot project acct-poison");
        assertThat(runner.status().parked()).isZero();
      }
    }
  }

  private void assertViews(Ledger ledger) {
    assertThat(ledger.balances).isNotEmpty();
    for (String account : ledger.balances.keySet()) {
      assertThat(scratch.redis.hget(scratch.keyPrefix + "balance:" + account, "cents")).as("balance of %s", account)
          .isEqualTo(String.valueOf(ledger.balances.get(account)));
      assertThat(scratch.redis.hget(scratch.keyPrefix + "counts:" + account, "deposits")).as("deposits of %s", account)
          .isEqualTo(String.valueOf(ledger.deposits.getOrDefault(account, 0L)));
    }
  }

  private ConsumerRecord<byte[], byte[]> eventAt(Position position) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      TopicPartition partition = new TopicPartition(service + ".events", position.partition());
      consumer.assign(List.of(partition));
      consumer.seek(partition, position.offset());
      long deadline = System.nanoTime() + ProjectionHarness.WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() == position.offset()) {
            return record;
          }
        }
      }
      throw new AssertionError("No event at " + position);
    }
  }

  /** Reads the topic's first partition from the start until {@code expected} records or a quiet second. */
  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      assertThat(end).as("records in %s", topic).isEqualTo(expected);
      while (consumer.position(partition) < end) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
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

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header %s", name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }
}
