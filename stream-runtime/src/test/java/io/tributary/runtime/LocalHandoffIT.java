package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitTrue;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.RuntimeHarness.sendRound;
import static io.tributary.runtime.RuntimeHarness.withDuplicate;
import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.runtime.internal.Topics;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
      awaitTrue("the instance serves every partition", () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      sendRound(runtime, "a", ACCOUNTS, acknowledged);
      CommandOutcome rejected = await(send(runtime, "w-1", withdraw("account-0", 1_000)));
      assertThat(rejected).isInstanceOf(CommandOutcome.Rejected.class);
      acknowledged.put("w-1", rejected);
      assertThat(await(send(runtime, "a-3", deposit("account-3", 10)))).isEqualTo(withDuplicate(acknowledged.get("a-3")));
      assertThat(runtime.failure()).isNull();
    }
    assertThat(commandsInTopic()).as("commands appended to the commands topic").isZero();

    // after a restart the dedupe entries of handed commands answer their resends
    try (TributaryRuntime restarted = harness.start(stateDir)) {
      assertThat(await(send(restarted, "a-5", deposit("account-5", 10)))).isEqualTo(withDuplicate(acknowledged.get("a-5")));
      assertThat(await(send(restarted, "w-1", withdraw("account-0", 1_000)))).isEqualTo(withDuplicate(acknowledged.get("w-1")));
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
      awaitTrue("the instance serves every partition", () -> runtime.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
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

  private TributaryRuntime start(RuntimeSettings settings) {
    return harness.start(settings, FaultInjector.none(), PartitionSnapshots.never());
  }

  private long commandsInTopic() {
    return TopicLog.endOffsets(harness.bootstrap, Topics.of(harness.service).commands(), RuntimeHarness.PARTITIONS);
  }
}
