package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.awaitTrue;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.RuntimeHarness.sendRound;
import static io.tributary.runtime.RuntimeHarness.withDuplicate;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An instance with several task loops: each is a group member with partitions of its own. */
@WithDevServices
class TaskThreadsIT {
  private static final int ACCOUNTS = 24;

  @TempDir Path stateDir;
  @TempDir Path otherStateDir;
  RuntimeHarness harness;

  @BeforeEach
  void setUp(KafkaEndpoint kafka) {
    harness = new RuntimeHarness(kafka.bootstrapServers());
  }

  @Test
  void theLoopsOfAnInstanceSplitItsPartitionsAndKeepEveryGuaranteeWhilePartitionsMove() throws Exception {
    Map<String, CommandOutcome> acknowledged = new LinkedHashMap<>();
    RuntimeSettings twoLoops = harness.settings(stateDir).withTaskThreads(2);
    try (TributaryRuntime first = start(twoLoops)) {
      // the loops join one after the other: the first may hold every partition until the second joins
      awaitTrue("each loop holds two partitions", () -> memberPartitionCounts().equals(List.of(2, 2)));
      awaitTrue("the instance serves every partition", () -> first.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      sendRound(first, "a", ACCOUNTS, acknowledged);

      // a second instance takes some partitions; when it leaves, they come back, possibly to the
      // other loop of the first instance, which then opens the store the first loop closed
      try (TributaryRuntime second = start(harness.settings(otherStateDir))) {
        awaitTrue("both instances serve", () -> !second.ownedPartitions().isEmpty()
            && first.ownedPartitions().size() + second.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
        assertThat(first.ownedPartitions()).doesNotContainAnyElementsOf(second.ownedPartitions());
        sendRound(first, "b", ACCOUNTS, acknowledged);
      }
      awaitTrue("the partitions came back", () -> first.ownedPartitions().size() == RuntimeHarness.PARTITIONS);
      sendRound(first, "c", ACCOUNTS, acknowledged);
      CommandOutcome again = await(send(first, "a-0", deposit("account-0", 1)));
      assertThat(again.duplicate()).isTrue();
      assertThat(first.failure()).isNull();
      assertThat(first.stoppedPartitions()).isEmpty();
    }

    // one loop again on the same state directory: the state and the dedupe entries are all there
    try (TributaryRuntime oneLoop = start(harness.settings(stateDir))) {
      CommandOutcome resent = await(send(oneLoop, "c-1", deposit("account-1", 1)));
      assertThat(resent).isEqualTo(withDuplicate(acknowledged.get("c-1")));
    }
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, acknowledged);
    assertThat(folded).hasSize(ACCOUNTS);
    assertThat(folded.values()).allSatisfy(state -> assertThat(state.getDeposits()).isEqualTo(3));
    LogInvariants.checkStores(stateDir, RuntimeHarness.PARTITIONS, folded);
  }

  @Test
  void moreLoopsThanPartitionsIsRefusedWithTheRange() {
    assertThatThrownBy(() -> harness.settings(stateDir).withTaskThreads(RuntimeHarness.PARTITIONS + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("taskThreads is 5; it must be from 1 to the partition count (4)");
  }

  private TributaryRuntime start(RuntimeSettings settings) {
    return harness.start(settings, FaultInjector.none(), PartitionSnapshots.never());
  }

  /** @return how many partitions of the commands topic each member of the service's group holds, ascending */
  private List<Integer> memberPartitionCounts() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
      ConsumerGroupDescription group = admin.describeConsumerGroups(Set.of(harness.service))
          .describedGroups().get(harness.service).get(30, TimeUnit.SECONDS);
      return group.members().stream().map(MemberDescription::assignment)
          .map(assignment -> assignment.topicPartitions().size()).sorted().collect(Collectors.toList());
    }
  }
}
