package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three instances under a steady load; a fourth joins, then one leaves. Partitions move through
 * Kafka's group protocol; nothing is lost or doubled, and a moved partition replays only its tail.
 */
@WithDevServices
class RebalanceIT {
  private static final int PARTITIONS = 8;

  @TempDir Path root;

  /** A runtime with its own meters. */
  private record Instance(TributaryRuntime runtime, SimpleMeterRegistry meters) {
    double replayed() {
      return meters.get("tributary.replay.events").counter().count();
    }
  }

  @Test
  void movesPartitionsUnderLoadWithoutLossOrDuplicates(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    List<Instance> all = new ArrayList<>();
    CopyOnWriteArrayList<Instance> live = new CopyOnWriteArrayList<>();
    for (int i = 1; i <= 3; i++) {
      live.add(start(harness, i, all));
    }
    awaitSpread(live);

    Map<String, AccountCommand> sent = new ConcurrentHashMap<>();
    Map<String, CompletableFuture<CommandOutcome>> pending = new ConcurrentHashMap<>();
    Load load = new Load(live, sent, pending);
    Thread sender = new Thread(load, "load");
    sender.start();
    try {
      Thread.sleep(2000);
      live.add(start(harness, 4, all));
      awaitSpread(live);
      Thread.sleep(2000);
      Instance leaving = live.removeFirst();
      leaving.runtime().close();
      awaitSpread(live);
      Thread.sleep(2000);
    } finally {
      load.stop();
      sender.join();
    }

    // replies waited for on the instance that left are resent to another: the same id is safe
    Map<String, CommandOutcome> outcomes = new HashMap<>();
    for (var entry : sent.entrySet()) {
      CompletableFuture<CommandOutcome> future = pending.get(entry.getKey());
      CommandOutcome outcome = future.isDone() && !future.isCompletedExceptionally() ? future.join()
          : resend(live, entry.getKey(), entry.getValue());
      outcomes.put(entry.getKey(), outcome);
    }
    double replayed = all.stream().mapToDouble(Instance::replayed).sum();
    live.forEach(instance -> instance.runtime().close());

    assertThat(outcomes).hasSizeGreaterThan(200).allSatisfy(
        (id, outcome) -> assertThat(outcome).isInstanceOf(CommandOutcome.Accepted.class));
    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, PARTITIONS, outcomes);
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits()).sum()).isEqualTo(outcomes.size());
    // moved partitions restore from the snapshot their last owner took when it gave them up
    assertThat(replayed).as("events replayed by all instances, of %s", outcomes.size())
        .isLessThan(outcomes.size() * 0.05);
  }

  @Test
  void aPartitionBackWithItsFormerOwnerReplaysOnlyItsTail(KafkaEndpoint kafka) throws Exception {
    RuntimeHarness harness = new RuntimeHarness(kafka.bootstrapServers());
    List<Instance> all = new ArrayList<>();
    Instance first = start(harness, 1, all);
    awaitSpread(List.of(first));
    Map<String, CommandOutcome> acknowledged = new HashMap<>();
    RuntimeHarness.sendRound(first.runtime(), "alone", 40, acknowledged);

    Instance second = start(harness, 2, all);
    awaitSpread(List.of(first, second));
    Set<Integer> moved = second.runtime().ownedPartitions();
    for (int round = 0; round < 5; round++) {
      RuntimeHarness.sendRound(first.runtime(), "shared-" + round, 40, acknowledged);
    }
    double replayedBefore = first.replayed();
    // the first instance's local state of the moved partitions stopped where it gave them up; the
    // snapshots the second takes as it leaves are ahead of it
    second.runtime().close();
    awaitSpread(List.of(first));
    RuntimeHarness.sendRound(first.runtime(), "back", 40, acknowledged);
    double replayedOnReturn = first.replayed() - replayedBefore;
    first.runtime().close();

    var folded = LogInvariants.checkLog(harness.bootstrap, harness.service, PARTITIONS, acknowledged);
    assertThat(folded.values().stream().mapToLong(s -> s.getDeposits()).sum()).isEqualTo(acknowledged.size());
    assertThat(replayedOnReturn).as("events the first instance replayed when partitions %s came back", moved)
        .isZero();
  }

  /** Resends through the first live instance; one left unanswered fails with where its partition stands. */
  private static CommandOutcome resend(List<Instance> live, String commandId, AccountCommand command)
      throws Exception {
    try {
      return await(RuntimeHarness.send(live.getFirst().runtime(), commandId, command));
    } catch (TimeoutException e) {
      StringBuilder instances = new StringBuilder();
      for (Instance instance : live) {
        TributaryRuntime runtime = instance.runtime();
        instances.append("\n  owns ").append(runtime.ownedPartitions()).append(", stopped ")
            .append(runtime.stoppedPartitions()).append(", running ").append(runtime.isRunning())
            .append(", failure ").append(runtime.failure());
      }
      throw new AssertionError("No outcome for the resend of " + commandId + " (" + command.getAccountId()
          + ", partition " + new Partitioner(PARTITIONS).partitionFor(command.getAccountId())
          + ") through the first of the live instances:" + instances, e);
    }
  }

  private Instance start(RuntimeHarness harness, int n, List<Instance> all) {
    // own state per instance, one snapshot store for all: a moved partition finds its snapshot there
    RuntimeSettings settings = harness.settings(root.resolve("instance-" + n))
        .withSnapshotDir(root.resolve("snapshots"))
        .withPartitions(PARTITIONS);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Instance instance = new Instance(TributaryRuntime.start(harness.definition, settings, meters), meters);
    all.add(instance);
    return instance;
  }

  private static void awaitSpread(List<Instance> live) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Set<Integer> owned = new HashSet<>();
      boolean everyOneServes = true;
      int total = 0;
      for (Instance instance : live) {
        Set<Integer> mine = instance.runtime().ownedPartitions();
        everyOneServes &= !mine.isEmpty();
        total += mine.size();
        owned.addAll(mine);
      }
      if (owned.size() == PARTITIONS && total == PARTITIONS && everyOneServes) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("partitions did not spread over " + live.size() + " instances: " + owned);
      }
      Thread.sleep(50);
    }
  }

  /** Sends a deposit every few milliseconds, round-robin over the live instances. */
  private static final class Load implements Runnable {
    private final List<Instance> live;
    private final Map<String, AccountCommand> sent;
    private final Map<String, CompletableFuture<CommandOutcome>> pending;
    private volatile boolean running = true;

    Load(List<Instance> live, Map<String, AccountCommand> sent, Map<String, CompletableFuture<CommandOutcome>> pending) {
      this.live = live;
      this.sent = sent;
      this.pending = pending;
    }

    @Override
    public void run() {
      for (int i = 0; running; i++) {
        String id = "load-" + i;
        AccountCommand command = deposit("acct-" + (i % 40), 1);
        sent.put(id, command);
        try {
          List<Instance> now = List.copyOf(live);
          pending.put(id, RuntimeHarness.send(now.get(i % now.size()).runtime(), id, command));
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException closedMeanwhile) {
          // the chosen instance closed between the copy and the send: the resend below covers it
          pending.put(id, CompletableFuture.failedFuture(closedMeanwhile));
        }
      }
    }

    void stop() {
      running = false;
    }
  }
}
