package io.tributary.projection;

import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.Position;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.bank.v1.AccountEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Commands for the bank-account service, the fold they should project to, and waits on a runner. */
final class ProjectionHarness {
  static final int PARTITIONS = 4;
  static final Duration WAIT = Duration.ofSeconds(90);
  static final Map<String, String> FAST_GROUPS = Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500");

  /**
   * Per event: the balance moves by the amount, and the deposit or withdrawal count by one. Counters
   * that a twice-applied event would show.
   */
  static final ProjectionDefinition<ViewUpdate> BALANCES = ProjectionDefinition.of("balances", envelope -> {
    AccountEvent event = (AccountEvent) envelope.event();
    String account = envelope.aggregateId();
    return switch (event.getKindCase()) {
      case DEPOSITED -> List.of(
          new ViewUpdate.Increment("balance:" + account, "cents", event.getDeposited().getAmount()),
          new ViewUpdate.Increment("counts:" + account, "deposits", 1));
      case WITHDRAWN -> List.of(
          new ViewUpdate.Increment("balance:" + account, "cents", -event.getWithdrawn().getAmount()),
          new ViewUpdate.Increment("counts:" + account, "withdrawals", 1));
      case KIND_NOT_SET -> throw new IllegalStateException("AccountEvent without a kind: " + envelope.eventId());
    };
  }, Account.TYPE);

  private ProjectionHarness() {}

  static RuntimeSettings runtimeSettings(String bootstrap, Path stateDir) {
    return RuntimeSettings.defaults(bootstrap, stateDir).withPartitions(PARTITIONS)
        .withPollTimeout(Duration.ofMillis(20)).withKafkaProperties(FAST_GROUPS);
  }

  static ProjectionSettings projectionSettings(String bootstrap, Path stateDir) {
    return ProjectionSettings.defaults(bootstrap).withPollTimeout(Duration.ofMillis(20))
        .withKafkaProperties(FAST_GROUPS).withStateDir(stateDir);
  }

  /** Sends {@code count} commands over 20 accounts, a third of them withdrawals, and waits for every outcome. */
  static List<Sent> sendAndAwait(TributaryRuntime runtime, int first, int count) throws Exception {
    List<AccountCommand> commands = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      String account = "acct-" + (i % 20);
      commands.add(i % 3 == 2 ? withdraw(account, 25) : deposit(account, 10 + i % 7));
    }
    return sendAndAwait(runtime, "cmd-" + first + "-", commands);
  }

  static List<Sent> sendAndAwait(TributaryRuntime runtime, String idPrefix, List<AccountCommand> commands)
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

  record Sent(AccountCommand command, CommandOutcome outcome) {
    Position lastEvent() {
      return ((CommandOutcome.Accepted) outcome).lastEvent().orElseThrow();
    }
  }

  /** Waits until the sink holds, for every partition in {@code ledger}, its last event. */
  static void awaitApplied(ProjectionRunner runner, ViewSink sink, String positionsId, Ledger ledger)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Map<Integer, Long> behind = new TreeMap<>();
      ledger.lastOffsets().forEach((partition, offset) -> {
        OptionalLong held = sink.position(positionsId, partition);
        if (held.isEmpty() || held.getAsLong() < offset) {
          behind.put(partition, offset);
        }
      });
      if (behind.isEmpty()) {
        return;
      }
      if (!runner.stoppedPartitions().isEmpty() || !runner.isRunning()) {
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

  /**
   * Waits until the runner has counted at least {@code expected} events given to the sink. It counts a
   * batch once the sink has answered its write (after an outage, a write whose answer was lost is
   * counted when its retry is answered), so a test that saw the sink's positions may be a moment
   * ahead of the count; a count above {@code expected} is for the caller's assertion to catch.
   */
  static void awaitCounted(MeterRegistry meters, long expected, ProjectionRunner runner) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    double counted;
    while ((counted = meters.get("tributary.projection.events").counter().count()) < expected) {
      if (!runner.isRunning()) {
        throw new AssertionError("The runner stopped having counted " + counted + " of " + expected + " events: "
            + runner.failure());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("The runner counted " + counted + " events given to the sink, not " + expected
            + ", within " + WAIT + "; runner " + runner);
      }
      Thread.sleep(20);
    }
  }

  /** Waits until the runner's thread has ended, as a simulated crash ends it. */
  static void awaitEnded(ProjectionRunner runner) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (runner.isRunning()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("The runner did not end within " + WAIT + "; " + runner.status());
      }
      Thread.sleep(20);
    }
  }

  /** The fold of the accepted commands per account, and the offset of the last event per partition. */
  static final class Ledger {
    final Map<String, Long> balances = new TreeMap<>();
    final Map<String, Long> deposits = new HashMap<>();
    final Map<String, Long> withdrawals = new HashMap<>();
    private final Map<Integer, Long> lastOffsets = new HashMap<>();
    int acceptedEvents;

    synchronized Map<Integer, Long> lastOffsets() {
      return Map.copyOf(lastOffsets);
    }

    synchronized void record(List<Sent> sent) {
      List<String> failed = new ArrayList<>();
      for (Sent each : sent) {
        AccountCommand command = each.command();
        switch (each.outcome()) {
          case CommandOutcome.Accepted accepted -> {
            String account = command.getAccountId();
            acceptedEvents += accepted.eventCount();
            accepted.lastEvent().ifPresent(at -> lastOffsets.merge(at.partition(), at.offset(), Math::max));
            if (command.hasDeposit()) {
              balances.merge(account, command.getDeposit().getAmount(), Long::sum);
              deposits.merge(account, 1L, Long::sum);
            } else {
              balances.merge(account, -command.getWithdraw().getAmount(), Long::sum);
              withdrawals.merge(account, 1L, Long::sum);
            }
          }
          case CommandOutcome.Rejected rejected -> assertThat(rejected.code()).isEqualTo("INSUFFICIENT_FUNDS");
          case CommandOutcome.Failed f -> failed.add(f.commandId() + ": " + f.error());
        }
      }
      assertThat(failed).as("failed commands").isEmpty();
    }

    /** Moves the last offset of a partition to {@code offset}, for an event outside the fold that must be passed. */
    synchronized void passes(int partition, long offset) {
      lastOffsets.merge(partition, offset, Math::max);
    }

    /** Forgets the last offset of a partition, for one the projection is expected not to reach. */
    synchronized void forget(int partition) {
      lastOffsets.remove(partition);
    }

    /** @return per account, how many events it has: its last sequence number */
    synchronized Map<String, Long> eventsPerAccount() {
      Map<String, Long> events = new TreeMap<>();
      deposits.forEach((account, n) -> events.merge(account, n, Long::sum));
      withdrawals.forEach((account, n) -> events.merge(account, n, Long::sum));
      return events;
    }
  }
}
