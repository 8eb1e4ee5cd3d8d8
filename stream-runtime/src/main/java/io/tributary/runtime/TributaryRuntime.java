package io.tributary.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.TransientException;
import io.tributary.runtime.internal.DecidedOutcome;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.InstanceId;
import io.tributary.runtime.internal.KafkaClients;
import io.tributary.runtime.internal.KafkaCommandGateway;
import io.tributary.runtime.internal.LocalHandoff;
import io.tributary.runtime.internal.OutcomeListener;
import io.tributary.runtime.internal.OutcomeReader;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.runtime.internal.PolicySnapshots;
import io.tributary.runtime.internal.TaskLoop;
import io.tributary.runtime.internal.Topics;
import io.tributary.runtime.internal.store.PartitionStateLoader;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.Snapshotter;
import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running instance of a service: it creates or checks the service's topics, joins the service's
 * consumer group, serves the partitions Kafka assigns it, and accepts commands through {@link
 * #commands()}. Start more instances (each with its own state directory) to spread the partitions.
 */
@Evolving
public final class TributaryRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TributaryRuntime.class);
  private static final Duration SAVES_CLOSE_TIMEOUT = Duration.ofSeconds(30);
  /** How long start waits for the ingress producer's first metadata of the commands topic. */
  private static final Duration METADATA_WAIT = Duration.ofSeconds(60);
  private final ServiceDefinition definition;
  private final OutcomeReader outcomes;
  private final Producer<byte[], byte[]> commandProducer;
  private final KafkaCommandGateway gateway;
  private final List<TaskLoop> loops;
  private final ExecutorService snapshotSaves;

  private TributaryRuntime(ServiceDefinition definition, RuntimeSettings settings, MeterRegistry meters, Clock clock,
      @Nullable PartitionSnapshots snapshots, FaultInjector faults) {
    this.definition = definition;
    long started = System.nanoTime();
    KafkaClients clients = new KafkaClients(settings, definition.name(), InstanceId.in(settings.stateDir()));
    Topics topics = Topics.of(definition.name());
    // one store for restores and saves: a save reuses the checksums of the files a restore verified
    DirectorySnapshotStore snapshotStore = new DirectorySnapshotStore(settings.snapshotDir(), clock);
    PartitionStateLoader loader = new PartitionStateLoader(snapshotStore, meters, settings.storeMemory());
    // saves snapshots off the task loop; one save per partition at a time, so at most one queued per partition
    this.snapshotSaves = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
        .name("tributary-" + definition.name() + "-snapshots").factory());
    PartitionSnapshots partitionSnapshots = snapshots != null ? snapshots : new PolicySnapshots(definition.name(),
        new Snapshotter(definition.name(), snapshotStore,
            settings.snapshotPolicy(), settings.stateDir().resolve("checkpoints"), meters, snapshotSaves),
        clock, meters);
    // the task loops hand the outcomes they commit to the reader, which is created once the topics
    // are checked: before that no loop has joined the group, so none has committed anything
    AtomicReference<OutcomeReader> readerOnceChecked = new AtomicReference<>();
    OutcomeListener committed = new OutcomeListener() {
      @Override
      public void committed(int partition, long first, long last, List<DecidedOutcome> outcomes) {
        readerOnceChecked.get().committed(partition, first, last, outcomes);
      }

      @Override
      public void owned(int partition, long outcomesFrom) {
        readerOnceChecked.get().owned(partition, outcomesFrom);
      }

      @Override
      public void released(int partition) {
        readerOnceChecked.get().released(partition);
      }
    };
    // the local stores opened ahead that no loop took once every loop has had its first assignment
    // belong to partitions that went to other instances
    AtomicInteger firstAssignmentsDue = new AtomicInteger(settings.taskThreads());
    Runnable firstAssignment = () -> {
      if (firstAssignmentsDue.decrementAndGet() == 0) {
        loader.closeUnclaimed();
      }
    };
    LocalHandoff handoff = new LocalHandoff(settings.partitions(), settings.localHandoff());
    List<TaskLoop> created = new ArrayList<>(settings.taskThreads());
    for (int index = 0; index < settings.taskThreads(); index++) {
      created.add(new TaskLoop(index, definition, settings, clients, loader, partitionSnapshots, faults, meters, clock,
          committed, firstAssignment, handoff));
    }
    this.loops = List.copyOf(created);
    // the task loops create their clients and fence their predecessors while the topics are checked
    // here; they join the group once they are
    CompletableFuture<Integer> topicsChecked = new CompletableFuture<>();
    // last before the loops start: from here the loops close the stores opened ahead that none takes
    openLocalStoresAhead(definition.name(), settings, loader);
    loops.forEach(loop -> loop.start(topicsChecked));
    AutoCloseable tasks = this::closeLoops;
    @Nullable OutcomeReader reader = null;
    @Nullable Producer<byte[], byte[]> producer = null;
    try {
      int maxMessageBytes;
      try (Admin admin = clients.admin()) {
        maxMessageBytes = topics.ensure(admin, settings);
      }
      reader = new OutcomeReader(clients.outcomeConsumer(), topics.outcomes(), settings.partitions());
      readerOnceChecked.set(reader);
      topicsChecked.complete(maxMessageBytes);
      producer = clients.commandProducer();
      loadMetadata(producer, topics.commands(), settings.bootstrapServers());
    } catch (RuntimeException | Error e) {
      topicsChecked.completeExceptionally(e);
      closeAfterFailedStart(e, tasks, snapshotSaves, reader, producer);
      throw e;
    }
    this.outcomes = reader;
    this.commandProducer = producer;
    this.gateway = new KafkaCommandGateway(definition, commandProducer, outcomes, handoff,
        new Partitioner(settings.partitions()), settings.maxCommandBytes(), clock, clients.instanceId());
    outcomes.start();
    log.info("{} started in {} ms (instance {}); {} task loop(s) join the group", definition.name(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), clients.instanceId(), loops.size());
  }

  /**
   * Opens the local stores found in the state directory on a thread of their own, while the task
   * loop joins the group: an instance restarted after a crash usually gets the same partitions back
   * (static membership), and then finds their stores open. Loads RocksDB's native library first in
   * any case, so the first partition assigned does not wait for it either.
   */
  private static void openLocalStoresAhead(String service, RuntimeSettings settings, PartitionStateLoader loader) {
    ExecutorService opener = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
        .name("tributary-" + service + "-rocksdb-open").factory());
    try {
      opener.execute(RocksPartitionStore::loadLibrary);
      Map<Integer, Path> localDirs = new HashMap<>();
      for (int partition = 0; partition < settings.partitions(); partition++) {
        localDirs.put(partition, settings.stateDir().resolve("p-" + partition));
      }
      loader.openAhead(localDirs, opener);
    } finally {
      opener.shutdown(); // runs what was submitted, then its thread ends
    }
  }

  /**
   * Reads the commands topic's metadata into the ingress producer now, so no send waits for it: the
   * gRPC server runs {@code Send} on a transport thread, and the producer waits at most 1 s per call
   * ({@link KafkaClients#commandProducer()}); the first connection to a cluster may take longer.
   */
  private static void loadMetadata(Producer<byte[], byte[]> producer, String topic, String bootstrapServers) {
    long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
    while (true) {
      try {
        producer.partitionsFor(topic);
        return;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new TransientException("The command producer could not read the metadata of " + topic + " from "
              + bootstrapServers + " within " + METADATA_WAIT + ": " + e.getMessage() + ". Check that the brokers"
              + " are reachable and that the security settings (security.protocol, SASL, TLS) are right.", e);
        }
      }
    }
  }

  private static void closeAfterFailedStart(Throwable failure, AutoCloseable... parts) {
    for (AutoCloseable part : parts) {
      if (part == null) {
        continue;
      }
      try {
        if (part instanceof ExecutorService executor) {
          executor.shutdown();
        } else {
          part.close();
        }
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Starts an instance.
   *
   * @throws io.tributary.core.error.PermanentException if a topic has another partition count or the
   *     state directory is unusable, naming the fix
   * @throws io.tributary.core.error.TransientException if the brokers cannot be reached
   */
  public static TributaryRuntime start(ServiceDefinition definition, RuntimeSettings settings, MeterRegistry meters) {
    return new TributaryRuntime(definition, settings, meters, Clock.systemUTC(), null, FaultInjector.none());
  }

  /**
   * Starts an instance whose snapshots are taken by {@code snapshots} (or by the settings' policy
   * when {@code null}) and whose task loop reports to {@code faults}: for tests that simulate crashes.
   */
  public static TributaryRuntime start(ServiceDefinition definition, RuntimeSettings settings, MeterRegistry meters,
      Clock clock, @Nullable PartitionSnapshots snapshots, FaultInjector faults) {
    return new TributaryRuntime(definition, settings, meters, clock, snapshots, faults);
  }

  /** @return where commands are sent; replies follow the commit */
  public CommandGateway commands() {
    return gateway;
  }

  /** @return the service this instance runs */
  public ServiceDefinition definition() {
    return definition;
  }

  /** @return the partitions this instance serves now, over all its task loops */
  public Set<Integer> ownedPartitions() {
    Set<Integer> owned = new HashSet<>();
    loops.forEach(loop -> owned.addAll(loop.ownedPartitions()));
    return Set.copyOf(owned);
  }

  /** @return partitions stopped by a permanent failure (an event that cannot be applied), with the reason */
  public Map<Integer, String> stoppedPartitions() {
    Map<Integer, String> stopped = new HashMap<>();
    loops.forEach(loop -> stopped.putAll(loop.stoppedPartitions()));
    return Map.copyOf(stopped);
  }

  /** @return the failure that stopped one of this instance's task loops, if any */
  public @Nullable Throwable failure() {
    for (TaskLoop loop : loops) {
      Throwable failed = loop.failure();
      if (failed != null) {
        return failed;
      }
    }
    return null;
  }

  /** @return {@code true} while every task loop runs */
  public boolean isRunning() {
    return loops.stream().allMatch(TaskLoop::isAlive);
  }

  /** Tells every loop to stop before waiting for any, so no loop takes over the partitions of another. */
  private void closeLoops() {
    loops.forEach(TaskLoop::stop);
    loops.forEach(TaskLoop::close);
  }

  /** Leaves the group (partitions move to other instances), then closes every client and store. */
  @Override
  public void close() {
    RuntimeException failed = null;
    // the task loops wait for the snapshots of their revoked partitions; what else is saving (after a
    // failure) may finish, or is cut short and left without a manifest, so never listed
    AutoCloseable saves = () -> {
      snapshotSaves.shutdown();
      if (!snapshotSaves.awaitTermination(SAVES_CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        snapshotSaves.shutdownNow();
      }
    };
    AutoCloseable tasks = this::closeLoops;
    for (AutoCloseable part : new AutoCloseable[] {tasks, saves, outcomes, commandProducer}) {
      try {
        part.close();
      } catch (Exception e) {
        RuntimeException wrapped = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        if (failed == null) {
          failed = wrapped;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
