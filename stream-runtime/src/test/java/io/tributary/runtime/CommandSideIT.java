package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitTrue;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.RuntimeHarness.withDuplicate;
import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.runtime.internal.Topics;
import io.tributary.runtime.internal.WireFormat;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import io.tributary.runtime.snapshot.MutableClock;
import io.tributary.testkit.WithDevServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithDevServices
class CommandSideIT {
  @TempDir Path stateDir;
  RuntimeHarness harness;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    harness = new RuntimeHarness(kafka.bootstrapServers());
  }

  @Test
  void repliesAfterTheCommitWithVersionAndPosition() throws Exception {
    try (TributaryRuntime runtime = harness.start(stateDir)) {
      CommandOutcome first = await(send(runtime, "c1", deposit("alice", 100)));
      CommandOutcome second = await(send(runtime, "c2", withdraw("alice", 30)));
      CommandOutcome refused = await(send(runtime, "c3", withdraw("alice", 500)));

      assertThat(first).isInstanceOfSatisfying(CommandOutcome.Accepted.class, accepted -> {
        assertThat(accepted.version()).isEqualTo(1);
        assertThat(accepted.eventCount()).isEqualTo(1);
        assertThat(accepted.lastEvent()).get().extracting(Position::partition)
            .isEqualTo(new Partitioner(RuntimeHarness.PARTITIONS).partitionFor("alice"));
      });
      assertThat(second).isInstanceOfSatisfying(CommandOutcome.Accepted.class,
          accepted -> assertThat(accepted.version()).isEqualTo(2));
      assertThat(refused).isInstanceOfSatisfying(CommandOutcome.Rejected.class, rejected -> {
        assertThat(rejected.code()).isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(rejected.message()).isEqualTo("Account alice holds 70, less than 500");
      });
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, Map.of());
    assertThat(folded.get("alice").getBalance()).isEqualTo(70);
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void aResentCommandReturnsTheFirstOutcomeBeforeAndAfterARestart() throws Exception {
    CommandOutcome first;
    try (TributaryRuntime runtime = harness.start(stateDir)) {
      first = await(send(runtime, "dep-1", deposit("bob", 50)));
      CommandOutcome again = await(send(runtime, "dep-1", deposit("bob", 50)));

      assertThat(again).isEqualTo(withDuplicate(first));
    }
    try (TributaryRuntime restarted = harness.start(stateDir)) {
      CommandOutcome afterRestart = await(send(restarted, "dep-1", deposit("bob", 50)));

      assertThat(afterRestart).isEqualTo(withDuplicate(first));
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS,
        Map.of("dep-1", first));
    assertThat(folded.get("bob").getBalance()).isEqualTo(50);
    assertThat(folded.get("bob").getDeposits()).isEqualTo(1);
  }

  @Test
  void decidesACommandIdAgainOnceItsDedupeEntryExpired() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    RuntimeSettings settings = harness.settings(stateDir).withCommandRetention(Duration.ofDays(1));
    try (TributaryRuntime runtime = harness.start(settings, FaultInjector.none(), PartitionSnapshots.never(), clock)) {
      CommandOutcome first = await(send(runtime, "dep-1", deposit("erin", 10)));
      clock.advance(Duration.ofHours(23));
      assertThat(await(send(runtime, "dep-1", deposit("erin", 10)))).as("within the retention")
          .isEqualTo(withDuplicate(first));

      clock.advance(Duration.ofHours(2));
      // the batch of this command expires dep-1's entry; the store writes it while the next batch
      // is decided, so the resend goes in the batch after that
      await(send(runtime, "dep-2", deposit("erin", 1)));
      await(send(runtime, "dep-3", deposit("erin", 1)));
      CommandOutcome again = await(send(runtime, "dep-1", deposit("erin", 10)));

      assertThat(again).as("decided again").isInstanceOfSatisfying(CommandOutcome.Accepted.class, accepted -> {
        assertThat(accepted.duplicate()).isFalse();
        assertThat(accepted.version()).isEqualTo(4);
      });
      assertThat(await(send(runtime, "dep-1", deposit("erin", 10)))).as("and deduplicated from then on")
          .isEqualTo(withDuplicate(again));
    }
  }

  @Test
  void appendsAnAcceptanceAsAnOutcomeRecordOnlyWhenAnotherInstanceWaitsForIt() throws Exception {
    CommandOutcome own;
    CommandOutcome rejected;
    CommandOutcome remote;
    try (TributaryRuntime runtime = harness.start(stateDir.resolve("first"))) {
      own = await(send(runtime, "own-1", deposit("alice", 10)));
      rejected = await(send(runtime, "rej-1", withdraw("dave", 5)));
      appendRaw("ext-1", deposit("bob", 20), "");
      appendRaw("remote-1", deposit("carol", 30), "an-instance-elsewhere");
      // the gateway hands a resend straight to the task loop, which may decide it before it polls the
      // command it repeats from the topic: wait for the appended commands' events first, so the
      // resends are the duplicates and answer with the first outcomes
      awaitTrue("the appended commands are decided", () -> TopicLog.events(harness.bootstrap, harness.service,
          RuntimeHarness.PARTITIONS).stream().map(entry -> entry.value().getCommandId()).toList()
          .containsAll(List.of("ext-1", "remote-1")));
      assertThat(await(send(runtime, "ext-1", deposit("bob", 20)))).isInstanceOf(CommandOutcome.Accepted.class);
      remote = await(send(runtime, "remote-1", deposit("carol", 30)));
    }
    assertThat(own).isInstanceOf(CommandOutcome.Accepted.class);
    assertThat(rejected).isInstanceOf(CommandOutcome.Rejected.class);

    Map<String, OutcomeRecord> firstRecords = new HashMap<>();
    TopicLog.outcomes(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS).stream().map(TopicLog.Entry::value)
        .filter(record -> !record.getDuplicate()).forEach(record -> firstRecords.put(record.getCommandId(), record));
    assertThat(firstRecords).as("first outcome records: a rejection, and the acceptance another instance waits for")
        .containsOnlyKeys("rej-1", "remote-1");
    assertThat(withDuplicate(WireFormat.outcome(firstRecords.get("remote-1")))).isEqualTo(remote);
    Map<String, Integer> told = new HashMap<>();
    TopicLog.events(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS)
        .forEach(entry -> told.put(entry.value().getCommandId(), entry.value().getCommandEvents()));
    assertThat(told).isEqualTo(Map.of("own-1", 1, "ext-1", 1, "remote-1", 1));

    // a new instance replays the log from the start: the dedupe entries of the acceptances come from the events
    try (TributaryRuntime replayed = harness.start(stateDir.resolve("second"))) {
      assertThat(await(send(replayed, "own-1", deposit("alice", 10)))).isEqualTo(withDuplicate(own));
      assertThat(await(send(replayed, "rej-1", withdraw("dave", 5)))).isEqualTo(withDuplicate(rejected));
      assertThat(await(send(replayed, "remote-1", deposit("carol", 30)))).isEqualTo(remote);
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS,
        Map.of("own-1", own, "rej-1", rejected, "remote-1", remote));
    assertThat(folded.get("bob").getBalance()).isEqualTo(20);
  }

  /** Appends a command as a producer other than the gateway would, naming {@code replyTo} as its waiting instance. */
  private void appendRaw(String commandId, AccountCommand command, String replyTo) throws Exception {
    appendRaw(Map.of(commandId, command), replyTo);
  }

  /** Appends {@code commands} (by command id, in their map's order) as a producer other than the gateway would. */
  private void appendRaw(Map<String, AccountCommand> commands, String replyTo) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (var entry : commands.entrySet()) {
        String account = entry.getValue().getAccountId();
        CommandRecord record = CommandRecord.newBuilder()
            .setCommandId(entry.getKey()).setAggregateType(Account.TYPE).setAggregateId(account)
            .setCorrelationId(entry.getKey()).setCausationId(entry.getKey())
            .setCommand(Payload.newBuilder()
                .setTypeName(harness.definition.aggregate(Account.TYPE).commandCodec().typeName())
                .setData(entry.getValue().toByteString()))
            .setReplyTo(replyTo)
            .build();
        sent.add(producer.send(new ProducerRecord<>(Topics.of(harness.service).commands(),
            new Partitioner(RuntimeHarness.PARTITIONS).partitionFor(account),
            account.getBytes(StandardCharsets.UTF_8), record.toByteArray())));
      }
      for (Future<RecordMetadata> appended : sent) {
        appended.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void decidesABacklogLargerThanItsBatchesOnceEachAndInOrderThroughAborts() throws Exception {
    harness.start(stateDir).close(); // creates the topics
    int commands = 300;
    Map<String, AccountCommand> backlog = new LinkedHashMap<>();
    for (int i = 0; i < commands; i++) {
      backlog.put("b-" + i, deposit("acct-" + (i % 5), i + 1));
    }
    appendRaw(backlog, "");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // polls of up to 7 records into batches of up to 7 commands: a poll often fills the open batch
    // midway, and the records left are read again for a later batch; the 5th and 6th transactions
    // abort, so the batches decided on them are decided again
    AtomicInteger transactions = new AtomicInteger();
    FaultInjector abortTwo = point -> {
      if (point == FaultPoint.BEFORE_COMMIT) {
        int nth = transactions.incrementAndGet();
        if (nth == 5 || nth == 6) {
          throw new KafkaException("transaction " + nth + " aborted by the test");
        }
      }
    };
    try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition,
        harness.settings(stateDir).withMaxBatchRecords(7), meters, Clock.systemUTC(), PartitionSnapshots.never(),
        abortTwo)) {
      Counter decided = meters.get("tributary.commands").tag("service", harness.service).counter();
      awaitTrue("the backlog decided", () -> decided.count() >= commands);
      DistributionSummary batches = meters.get("tributary.batch.size").tag("service", harness.service).summary();
      assertThat(decided.count()).as("commands of committed batches, each once").isEqualTo(commands);
      assertThat(batches.max()).as("the largest batch").isLessThanOrEqualTo(7);
      assertThat(batches.count()).as("batches").isGreaterThanOrEqualTo(commands / 7);
      assertThat(meters.get("tributary.batch.aborted").tag("service", harness.service).counter().count())
          .as("aborted batches").isEqualTo(2);
    }
    Map<String, List<String>> commandsByAccount = new HashMap<>();
    TopicLog.events(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS).forEach(entry ->
        commandsByAccount.computeIfAbsent(entry.value().getAggregateId(), account -> new ArrayList<>())
            .add(entry.value().getCommandId()));
    for (int account = 0; account < 5; account++) {
      assertThat(commandsByAccount.get("acct-" + account)).as("the events of acct-%s, in the log's order", account)
          .containsExactlyElementsOf(IntStream.iterate(account, i -> i < commands, i -> i + 5)
              .mapToObj(i -> "b-" + i).toList());
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, Map.of());
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void refusesBadInputBeforeItReachesTheLog() {
    try (TributaryRuntime runtime = harness.start(stateDir.resolve("bad-input"))) {
      CommandGateway gateway = runtime.commands();
      byte[] valid = deposit("carol", 5).toByteArray();

      assertThatThrownBy(() -> gateway.send(new SendCommand("x1", "Acount", valid, null)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessage("Unknown aggregate type 'Acount'; known types: [Account].");
      assertThatThrownBy(() -> gateway.send(new SendCommand("x2", "Account", new byte[] {(byte) 0xff, 0x01}, null)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessageContaining("The payload of command x2 is not a valid 'tributary.test.bank.v1.AccountCommand'");
      assertThatThrownBy(() -> gateway.send(new SendCommand(" ", "Account", valid, null)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessageStartingWith("command_id is missing");
      assertThatThrownBy(() -> gateway.send(new SendCommand("x3\ud83d", "Account", valid, null)))
          .as("a lone surrogate has no UTF-8 form: the log's id would not be the one waited for")
          .isInstanceOf(InvalidCommandException.class)
          .hasMessage("command_id holds a lone UTF-16 surrogate at index 2; an id must be valid Unicode text.");
      assertThatThrownBy(() -> gateway.send(new SendCommand("x4", "Account", deposit("", 5).toByteArray(), null)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessageContaining("has no aggregate id");
      byte[] oversized = deposit("d".repeat(2 << 20), 5).toByteArray();
      assertThatThrownBy(() -> gateway.send(new SendCommand("x5", "Account", oversized, null)))
          .isInstanceOf(InvalidCommandException.class)
          .hasMessageContaining("the limit is " + (1 << 20) + " bytes");
    }
    assertThat(TopicLog.endOffsets(harness.bootstrap, Topics.of(harness.service).commands(), RuntimeHarness.PARTITIONS))
        .isZero();
  }

  @Test
  void failsACommandWhoseEventIsOverTheEventsTopicsMaxMessageBytesAndDecidesTheNext() throws Exception {
    // the events topic's limit below the producer's 1 MiB
    Topics topics = createTopicsWithMaxMessageBytes(40_000, null);
    String largeId = "x".repeat(30_000); // the key and a field of its event: about 60,000 bytes
    CommandOutcome tooLarge;
    CommandOutcome next;
    try (TributaryRuntime runtime = harness.start(stateDir)) {
      tooLarge = await(send(runtime, "big-1", deposit(largeId, 5)));
      next = await(send(runtime, "small-1", deposit("alice", 5)));

      assertThat(tooLarge).isInstanceOfSatisfying(CommandOutcome.Failed.class, failed ->
          assertThat(failed.error()).contains("over the limit of " + (40_000 - 16_384) + " bytes (max.message.bytes of "
              + topics.events() + " and " + topics.outcomes() + " less 16384 bytes of headroom)"));
      assertThat(next).as("the transaction was not refused: the loop goes on")
          .isInstanceOf(CommandOutcome.Accepted.class);
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS,
        Map.of("big-1", tooLarge, "small-1", next));
    assertThat(folded).as("nothing of the failed command was appended").containsOnlyKeys("alice");
  }

  @Test
  void refusesToStartOnATopicWhoseMaxMessageBytesLeavesNoRoomForARecord() throws Exception {
    Topics topics = createTopicsWithMaxMessageBytes(null, 10_000);
    assertThatThrownBy(() -> harness.start(stateDir))
        .isInstanceOf(io.tributary.core.error.PermanentException.class)
        .hasMessage("Topic " + topics.outcomes() + " has max.message.bytes 10000; it must be more than 16384 bytes,"
            + " which Tributary keeps for record batch framing. Raise it on the topic (max.message.bytes=1048588 is"
            + " Kafka's default), then restart.");
  }

  /**
   * Creates the service's topics before it starts, with these {@code max.message.bytes} (null: the
   * broker's).
   */
  private Topics createTopicsWithMaxMessageBytes(@Nullable Integer events, @Nullable Integer outcomes)
      throws Exception {
    Topics topics = Topics.of(harness.service);
    short one = 1;
    Map<String, String> eventsConfig = new HashMap<>(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
    Map<String, String> outcomesConfig = new HashMap<>();
    if (events != null) {
      eventsConfig.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, events.toString());
    }
    if (outcomes != null) {
      outcomesConfig.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, outcomes.toString());
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
      admin.createTopics(List.of(
          new NewTopic(topics.events(), RuntimeHarness.PARTITIONS, one).configs(eventsConfig),
          new NewTopic(topics.commands(), RuntimeHarness.PARTITIONS, one),
          new NewTopic(topics.outcomes(), RuntimeHarness.PARTITIONS, one).configs(outcomesConfig)))
          .all().get(30, TimeUnit.SECONDS);
    }
    return topics;
  }

  @Test
  void refusesToStartOnTopicsWithAnotherPartitionCount() {
    try (TributaryRuntime runtime = harness.start(stateDir.resolve("first"))) {
      assertThat(runtime.isRunning()).isTrue();
    }
    assertThatThrownBy(() -> harness.start(harness.settings(stateDir.resolve("second")).withPartitions(6),
            io.tributary.runtime.internal.FaultInjector.none(), io.tributary.runtime.internal.PartitionSnapshots.never()))
        .isInstanceOf(io.tributary.core.error.PermanentException.class)
        .hasMessageContaining("has " + RuntimeHarness.PARTITIONS + " partitions, but this service is configured with 6");
  }

  @Test
  void decidesManyCommandsAcrossPartitionsExactlyOnce() throws Exception {
    Map<String, CommandOutcome> outcomes = new HashMap<>();
    try (TributaryRuntime runtime = harness.start(stateDir)) {
      Map<String, java.util.concurrent.CompletableFuture<CommandOutcome>> pending = new HashMap<>();
      for (int i = 0; i < 400; i++) {
        String account = "acct-" + (i % 25);
        pending.put("m-" + i, send(runtime, "m-" + i, i % 3 == 2 ? withdraw(account, 40) : deposit(account, 10)));
      }
      for (var entry : pending.entrySet()) {
        outcomes.put(entry.getKey(), await(entry.getValue()));
      }
    }
    assertThat(outcomes.values()).hasOnlyElementsOfTypes(CommandOutcome.Accepted.class, CommandOutcome.Rejected.class);
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, outcomes);
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
    long accepted = outcomes.values().stream().filter(CommandOutcome.Accepted.class::isInstance).count();
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits() + s.getWithdrawals()).sum()).isEqualTo(accepted);
  }
}
