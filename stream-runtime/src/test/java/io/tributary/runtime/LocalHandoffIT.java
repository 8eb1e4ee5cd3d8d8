package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitTrue;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.RuntimeHarness.sendRound;
import static io.tributary.runtime.RuntimeHarness.withDuplicate;
import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.runtime.internal.Topics;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway hands a command to the task loop of its instance that owns the command's partition,
 * without the commands topic (ADR 0009); the other commands go through the topic.
 */
@WithDevServices
class LocalHandoffIT {
  private static final int ACCOUNTS = 16;

  @TempDir Path stateDir;
  @TempDir Path otherStateDir;
  RuntimeHarness harness;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    harness = new RuntimeHarness(kafka.bootstrapServers());
  }

  @Test
  void commandsForTheInstancesOwnPartitionsSkipTheCommandsTopicAndKeepEveryGuarantee() throws Exception {
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    try (TributaryRuntime runtime = harness.start(stateDir)) {
      awaitTrue("the instance serves every partition",
          () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      sendRound(runtime, "a", ACCOUNTS, acknowledged);
      CommandOutcome rejected = await(send(runtime, "w-1", withdraw("account-0", 1_000)));
      assertThat(rejected).isInstanceOf(CommandOutcome.Rejected.class);
      acknowledged.put("w-1", rejected);
      assertThat(await(send(runtime, "a-3", deposit("account-3", 10))))
          .isEqualTo(withDuplicate(acknowledged.get("a-3")));
      assertThat(runtime.failure()).isNull();
    }
    assertThat(commandsInTopic()).as("commands appended to the commands topic").isZero();

    // after a restart the dedupe entries of handed commands answer their resends
    try (TributaryRuntime restarted = harness.start(stateDir)) {
      assertThat(await(send(restarted, "a-5", deposit("account-5", 10))))
          .isEqualTo(withDuplicate(acknowledged.get("a-5")));
      assertThat(await(send(restarted, "w-1", withdraw("account-0", 1_000))))
          .isEqualTo(withDuplicate(acknowledged.get("w-1")));
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
    assertThat(folded).hasSize(ACCOUNTS);
    assertThat(folded.values()).allSatisfy(state -> assertThat(state.getDeposits()).isEqualTo(1));
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void withTheHandoffOffEveryCommandGoesThroughTheCommandsTopic() throws Exception {
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    try (TributaryRuntime runtime = start(harness.settings(stateDir).withLocalHandoff(false))) {
      awaitTrue("the instance serves every partition",
          () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      sendRound(runtime, "a", ACCOUNTS, acknowledged);
    }
    assertThat(commandsInTopic()).isEqualTo(ACCOUNTS);
    LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
  }

  @Test
  void commandsForAnotherInstancesPartitionsGoThroughTheTopicToTheirOwner() throws Exception {
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    Partitioner partitioner = new Partitioner(RuntimeHarness.PARTITIONS);
    try (TributaryRuntime first = harness.start(stateDir);
        TributaryRuntime second = harness.start(otherStateDir)) {
      awaitTrue("both instances serve", () -> !first.ownedPartitions().isEmpty() && !second.ownedPartitions().isEmpty()
          && first.ownedPartitions().size() + second.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      Set<Integer> elsewhere = Set.copyOf(second.ownedPartitions());
      sendRound(first, "a", ACCOUNTS, acknowledged);
      long forTheSecond = acknowledged.keySet().stream()
          .filter(id -> elsewhere.contains(partitioner.partitionFor("account-" + id.substring(2)))).count();
      assertThat(forTheSecond).isPositive();
      // only the commands whose partition the second instance owns were appended, and answered here
      assertThat(commandsInTopic()).isEqualTo(forTheSecond);
      assertThat(first.failure()).isNull();
      assertThat(second.failure()).isNull();
    }
    LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
  }

  @Test
  void handedCommandsOfAPartitionThatMovesAreDecidedByItsNewOwner() throws Exception {
    // the first transaction, its offsets taken, holds until the second instance has joined, so that the
    // commands handed meanwhile are still in the open batches when the first instance gives its
    // partitions up (the transaction then commits: it sent its offsets while the instance owned them)
    AtomicBoolean hold = new AtomicBoolean(true);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    FaultInjector holdFirstTransaction = point -> {
      if (point == FaultPoint.OFFSETS_SENT && hold.compareAndSet(true, false)) {
        holding.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    // the held transaction must not reach its timeout on a slow machine
    RuntimeSettings patient = harness.settings(stateDir, Duration.ofSeconds(60));
    try (TributaryRuntime first = TributaryRuntime.start(harness.definition, patient, meters, Clock.systemUTC(),
        PartitionSnapshots.never(), holdFirstTransaction)) {
      awaitTrue("the first instance serves every partition",
          () -> first.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      pending.put("h-0", send(first, "h-0", deposit("account-0", 10)));
      assertThat(holding.await(30, TimeUnit.SECONDS)).as("the first transaction started").isTrue();
      for (int account = 1; account < ACCOUNTS; account++) {
        pending.put("h-" + account, send(first, "h-" + account, deposit("account-" + account, 10)));
      }
      Gauge open = meters.get("tributary.batch.open").tag("service", harness.service).gauge();
      awaitTrue("the handed commands are decided into the open batches", () -> open.value() == ACCOUNTS - 1);

      try (TributaryRuntime second = harness.start(otherStateDir)) {
        awaitTrue("the second instance joins the group", () -> groupMembers() == 2);
        // the first instance's loop meets the rebalance at its next poll (heartbeats every 500 ms), and
        // its revocation of the partitions that move waits for the transaction held here
        Thread.sleep(3_000);
        release.countDown();
        for (var entry : pending.entrySet()) {
          CommandOutcome outcome = await(entry.getValue());
          assertThat(outcome).as("outcome of %s", entry.getKey()).isInstanceOf(CommandOutcome.Accepted.class);
          acknowledged.put(entry.getKey(), outcome);
        }
        assertThat(second.ownedPartitions()).isNotEmpty();
        assertThat(first.failure()).isNull();
        assertThat(second.failure()).isNull();
      }
    }
    // those of the partitions that moved went through the topic to their new owner
    assertThat(commandsInTopic()).isPositive();
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
    assertThat(folded).hasSize(ACCOUNTS);
    assertThat(folded.values()).allSatisfy(state -> assertThat(state.getDeposits()).isEqualTo(1));
  }

  private int groupMembers() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
      return admin.describeConsumerGroups(Set.of(harness.service)).describedGroups().get(harness.service)
          .get(30, TimeUnit.SECONDS).members().size();
    }
  }

  @Test
  void whenItsLoopFailsTheHandedCommandsGoToTheTopicAndTheirCallersGetTheNewOwnersAnswers() throws Exception {
    AtomicBoolean failOnce = new AtomicBoolean(true);
    FaultInjector failFirstTransaction = point -> {
      if (point == FaultPoint.OFFSETS_SENT && failOnce.compareAndSet(true, false)) {
        throw new IllegalStateException("simulated: the committer failed");
      }
    };
    Map<String, CompletableFuture<CommandOutcome>> pending = new LinkedHashMap<>();
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    try (TributaryRuntime first = start(harness.settings(stateDir), failFirstTransaction)) {
      awaitTrue("the first instance serves every partition",
          () -> first.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      for (int account = 0; account < ACCOUNTS; account++) {
        pending.put("f-" + account, send(first, "f-" + account, deposit("account-" + account, 10)));
      }
      RuntimeHarness.awaitStopped(first);
      assertThat(first.failure()).hasMessageContaining("simulated: the committer failed");

      // the first instance still reads the outcomes its callers wait for; the second decides
      try (TributaryRuntime second = harness.start(otherStateDir)) {
        for (var entry : pending.entrySet()) {
          CommandOutcome outcome = await(entry.getValue());
          assertThat(outcome).as("outcome of %s", entry.getKey()).isInstanceOf(CommandOutcome.Accepted.class);
          acknowledged.put(entry.getKey(), outcome);
        }
        assertThat(second.failure()).isNull();
      }
    }
    assertThat(commandsInTopic()).isEqualTo(ACCOUNTS);
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
    assertThat(folded.values()).allSatisfy(state -> assertThat(state.getDeposits()).isEqualTo(1));
  }

  private TributaryRuntime start(RuntimeSettings settings) {
    return start(settings, FaultInjector.none());
  }

  private TributaryRuntime start(RuntimeSettings settings, FaultInjector faults) {
    return harness.start(settings, faults, PartitionSnapshots.never());
  }

  private long commandsInTopic() {
    return TopicLog.endOffsets(harness.bootstrap, Topics.of(harness.service).commands(), RuntimeHarness.PARTITIONS);
  }
}
