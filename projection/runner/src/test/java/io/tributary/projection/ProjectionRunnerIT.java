package io.tributary.projection;

import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static io.tributary.projection.ProjectionHarness.BALANCES;
import static io.tributary.projection.ProjectionHarness.awaitCounted;
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
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithDevServices
class ProjectionRunnerIT {
  private static final int PARTITIONS = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Map<String, String> FAST_GROUPS = Map.of("session.timeout.ms", "6000",
      "heartbeat.interval.ms", "500");

  @TempDir Path stateDir;
  private final String service = "proj-" + UUID.randomUUID().toString().substring(0, 8);
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
  void projectsEveryAcceptedCommandOnceAndResumesFromTheSinkPositionAfterARestart() throws Exception {
    Ledger ledger = new Ledger();
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(), new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      ledger.record(sendAndAwait(runtime, 0, 200));

      try (ProjectionRunner runner = ProjectionRunner.start(definition, BALANCES, sink, projectionSettings())) {
        assertThat(runner.groupId()).isEqualTo(service + ".balances.v1");
        awaitApplied(runner, sink, ledger);
        assertViewsEqual(ledger);
      }

      int acceptedBefore = ledger.acceptedEvents;
      ledger.record(sendAndAwait(runtime, 200, 100));
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (ProjectionRunner restarted = ProjectionRunner.start(definition, BALANCES, sink, projectionSettings(), meters)) {
        awaitApplied(restarted, sink, ledger);
        assertViewsEqual(ledger);
        awaitCounted(meters, ledger.acceptedEvents - acceptedBefore, restarted);
        assertThat(meters.get("tributary.projection.events").counter().count())
            .as("events given to the sink by the restarted runner: only those after the sink's positions")
            .isEqualTo(ledger.acceptedEvents - acceptedBefore);
        assertThat(restarted.stoppedPartitions()).isEmpty();
      }
    }
  }

  @Test
  void stopsOnlyThePartitionOfAnEventTheHandlerCannotProjectAndAppliesTheOthers() throws Exception {
    ProjectionDefinition<ViewUpdate> failing = ProjectionDefinition.of("balances", envelope -> {
      if (envelope.aggregateId().equals("acct-poison")) {
        throw new IllegalStateException("cannot project " + envelope.aggregateId());
      }
      return BALANCES.handler().project(envelope, null);
    }, Account.TYPE);
    try (TributaryRuntime runtime = TributaryRuntime.start(definition, runtimeSettings(), new SimpleMeterRegistry());
        RedisViewSink sink = scratch.sink("")) {
      Ledger ledger = new Ledger();
      ledger.record(sendAndAwait(runtime, 0, 40));
      Sent poison = sendAndAwait(runtime, "poison-", List.of(deposit("acct-poison", 5))).getFirst();
      var at = ((CommandOutcome.Accepted) poison.outcome()).lastEvent().orElseThrow();
      ledger.forget(at.partition());

      try (ProjectionRunner runner = ProjectionRunner.start(definition, failing, sink, projectionSettings())) {
        awaitStopped(runner, at.partition());
        awaitApplied(runner, sink, ledger, at.partition());

        assertThat(runner.stoppedPartitions()).containsOnlyKeys(at.partition());
        assertThat(runner.stoppedPartitions().get(at.partition()))
            .contains("@" + at.offset(), "Account/acct-poison/1", "cannot project acct-poison");
        OptionalLong held = sink.position(BALANCES.versionedName(), at.partition());
        assertThat(held.isEmpty() || held.getAsLong() < at.offset())
            .as("position %s of the stopped partition is before the event that failed (%s)", held, at.offset())
            .isTrue();
        assertThat(scratch.redis.exists(scratch.keyPrefix + "balance:acct-poison")).isZero();
        assertThat(runner.isRunning()).isTrue();
      }
    }
  }

  private static void awaitStopped(ProjectionRunner runner, int partition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!runner.stoppedPartitions().containsKey(partition)) {
      if (System.nanoTime() > deadline || !runner.isRunning()) {
        throw new AssertionError("Partition " + partition + " did not stop within " + WAIT + "; runner " + runner
            + ", failure " + runner.failure());
      }
      Thread.sleep(20);
    }
  }

  private RuntimeSettings runtimeSettings() {
    return RuntimeSettings.defaults(bootstrap, stateDir).withPartitions(PARTITIONS)
        .withPollTimeout(Duration.ofMillis(20)).withKafkaProperties(FAST_GROUPS);
  }

  private ProjectionSettings projectionSettings() {
    return ProjectionSettings.defaults(bootstrap).withPollTimeout(Duration.ofMillis(20))
        .withKafkaProperties(FAST_GROUPS);
  }

  /** Sends {@code count} commands over 20 accounts, a third of them withdrawals, and waits for every outcome. */
  private static List<Sent> sendAndAwait(TributaryRuntime runtime, int first, int count) throws Exception {
    List<AccountCommand> commands = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      String account = "acct-" + (i % 20);
      commands.add(i % 3 == 2 ? withdraw(account, 25) : deposit(account, 10 + i % 7));
    }
    return sendAndAwait(runtime, "cmd-" + first + "-", commands);
  }

  private static List<Sent> sendAndAwait(TributaryRuntime runtime, String idPrefix, List<AccountCommand> commands)
      throws Exception {
    List<CompletableFuture<CommandOutcome>> pending = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      pending.add(runtime.commands().send(new SendCommand(idPrefix + i, Account.TYPE, commands.get(i).toByteArray(),
          null)));
    }
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      sent.add(new Sent(commands.get(i), pending.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS)));
    }
    return sent;
  }

  /** Waits until the sink holds, for every partition, the last event of the accepted commands. */
  private static void awaitApplied(ProjectionRunner runner, RedisViewSink sink, Ledger ledger)
      throws InterruptedException {
    awaitApplied(runner, sink, ledger, -1);
  }

  /** As above; {@code stoppedPartition} may be stopped (-1: none may). */
  private static void awaitApplied(ProjectionRunner runner, RedisViewSink sink, Ledger ledger, int stoppedPartition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Map<Integer, Long> behind = new TreeMap<>();
      ledger.lastOffsets().forEach((partition, offset) -> {
        OptionalLong held = sink.position(BALANCES.versionedName(), partition);
        if (held.isEmpty() || held.getAsLong() < offset) {
          behind.put(partition, offset);
        }
      });
      if (behind.isEmpty()) {
        return;
      }
      Map<Integer, String> unexpected = new TreeMap<>(runner.stoppedPartitions());
      unexpected.remove(stoppedPartition);
      if (!unexpected.isEmpty() || !runner.isRunning()) {
        throw new AssertionError("The runner stopped before reaching the events " + behind + ": stopped partitions "
            + runner.stoppedPartitions() + ", failure " + runner.failure());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("The sink did not reach the last events " + behind + " (partition=offset) within "
            + WAIT + "; runner " + runner);
      }
      Thread.sleep(20);
    }
  }

  private void assertViewsEqual(Ledger ledger) {
    assertThat(ledger.balances).isNotEmpty();
    for (String account : ledger.balances.keySet()) {
      assertThat(scratch.redis.hget(scratch.keyPrefix + "balance:" + account, "cents")).as("balance of %s", account)
          .isEqualTo(String.valueOf(ledger.balances.get(account)));
      assertThat(scratch.redis.hget(scratch.keyPrefix + "counts:" + account, "deposits")).as("deposits of %s", account)
          .isEqualTo(String.valueOf(ledger.deposits.getOrDefault(account, 0L)));
      String withdrawals = scratch.redis.hget(scratch.keyPrefix + "counts:" + account, "withdrawals");
      assertThat(withdrawals == null ? 0L : Long.parseLong(withdrawals)).as("withdrawals of %s", account)
          .isEqualTo(ledger.withdrawals.getOrDefault(account, 0L));
    }
  }
}
