package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.FaultPoint;
import io.tributary.runtime.internal.PartitionSnapshots;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts bank-account runtimes against the test broker, each test under its own service name. */
final class RuntimeHarness {
  static final int PARTITIONS = 4;

  final String bootstrap;
  final String service = "acct-" + UUID.randomUUID().toString().substring(0, 8);
  final ServiceDefinition definition = Account.service(service);

  RuntimeHarness(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  RuntimeSettings settings(Path stateDir) {
    return RuntimeSettings.defaults(bootstrap, stateDir).withPartitions(PARTITIONS)
        .withPollTimeout(Duration.ofMillis(20))
        .withKafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
  }

  /** @return {@link #settings} with the transactional producers' {@code transaction.timeout.ms} set */
  RuntimeSettings settings(Path stateDir, Duration transactionTimeout) {
    RuntimeSettings settings = settings(stateDir);
    Map<String, String> kafka = new HashMap<>(settings.kafkaProperties());
    kafka.put("transaction.timeout.ms", Long.toString(transactionTimeout.toMillis()));
    return settings.withKafkaProperties(kafka);
  }

  TributaryRuntime start(Path stateDir) {
    return start(settings(stateDir), FaultInjector.none(), PartitionSnapshots.never());
  }

  TributaryRuntime start(RuntimeSettings settings, FaultInjector faults, PartitionSnapshots snapshots) {
    return start(settings, faults, snapshots, Clock.systemUTC());
  }

  TributaryRuntime start(RuntimeSettings settings, FaultInjector faults, PartitionSnapshots snapshots, Clock clock) {
    return TributaryRuntime.start(definition, settings, new SimpleMeterRegistry(), clock, snapshots, faults);
  }

  static CompletableFuture<CommandOutcome> send(TributaryRuntime runtime, String commandId, AccountCommand command) {
    return runtime.commands().send(new SendCommand(commandId, "Account", command.toByteArray(), null));
  }

  /** @return {@code outcome} as a resend of its command id answers it */
  static CommandOutcome withDuplicate(CommandOutcome outcome) {
    return switch (outcome) {
      case CommandOutcome.Accepted a -> new CommandOutcome.Accepted(a.commandId(), a.version(), a.eventCount(),
          a.lastEvent(), true);
      case CommandOutcome.Rejected r -> new CommandOutcome.Rejected(r.commandId(), r.code(), r.message(), true);
      case CommandOutcome.Failed f -> new CommandOutcome.Failed(f.commandId(), f.error(), true);
    };
  }

  static CommandOutcome await(CompletableFuture<CommandOutcome> outcome) throws Exception {
    return outcome.get(60, TimeUnit.SECONDS);
  }

  /** Crashes the task loop the {@code nth} time it reaches {@code point}. */
  static FaultInjector crashAt(FaultPoint point, int nth) {
    AtomicInteger reached = new AtomicInteger();
    return at -> {
      if (at == point && reached.incrementAndGet() == nth) {
        throw new FaultInjector.SimulatedCrash(point);
      }
    };
  }

  /**
   * Spins, for at most 10 s, until the task loop has decided {@code commands} into its open batches
   * (the gauge {@code tributary.batch.open}); for a fault injector that holds a transaction meanwhile.
   *
   * @return whether it got there
   */
  static boolean spinUntilOpen(MeterRegistry meters, String service, int commands) {
    Gauge open = meters.get("tributary.batch.open").tag("service", service).gauge();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (open.value() < commands && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    return open.value() >= commands;
  }

  /** Waits until the runtime's task loop has ended. */
  static void awaitStopped(TributaryRuntime runtime) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (runtime.isRunning()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the runtime did not stop within 60 s");
      }
      Thread.sleep(20);
    }
  }

  /** Waits up to 60 s until {@code condition} holds. */
  static void awaitTrue(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  /**
   * One deposit of 10 to each of {@code accounts} accounts, {@code account-0} on, all sent before any
   * reply is awaited; every one must be accepted, and is added to {@code acknowledged} under the id
   * {@code <round>-<account>}.
   */
  static void sendRound(TributaryRuntime runtime, String round, int accounts, Map<String, CommandOutcome> acknowledged)
      throws Exception {
    Map<String, CompletableFuture<CommandOutcome>> sent = new LinkedHashMap<>();
    for (int account = 0; account < accounts; account++) {
      sent.put(round + "-" + account, send(runtime, round + "-" + account, Account.deposit("account-" + account, 10)));
    }
    for (var entry : sent.entrySet()) {
      CommandOutcome outcome = await(entry.getValue());
      assertThat(outcome).as("outcome of %s", entry.getKey()).isInstanceOf(CommandOutcome.Accepted.class);
      acknowledged.put(entry.getKey(), outcome);
    }
  }
}
