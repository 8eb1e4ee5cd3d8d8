package io.tributary.runtime.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.internal.store.PartitionStateLoader;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task loop of an instance's command side: a thread that owns a group consumer of {@code
 * <svc>.commands} and a transactional producer, and for each poll decides the commands of its
 * partitions and appends their events, outcomes and offsets in one transaction. An instance runs
 * {@link RuntimeSettings#taskThreads()} of them, each a member of the group with partitions of its
 * own. See docs/adr/0003-command-side.md.
 *
 * <p>Once a transaction commits, its outcomes go to {@code committedOutcomes}, which replies to the
 * callers waiting in this instance (see {@link OutcomeReader#committed}).
 *
 * <p>A committed batch is written to the partition stores by a writer thread while the loop polls
 * and decides the next one ({@link PipelinedStore}); the producer is flushed once for the events'
 * offsets ({@link BatchAppender}), and the commit flushes the rest.
 */
public final class TaskLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  /** How many polls without waiting may follow a batch's first poll; see {@link #processBatch}. */
  private static final int MAX_EXTRA_POLLS = 2;

  private final ServiceDefinition definition;
  private final RuntimeSettings settings;
  private final Topics topics;
  private final Partitioner partitioner;
  private final KafkaClients clients;
  private final PartitionStateLoader loader;
  private final PartitionSnapshots snapshots;
  private final FaultInjector faults;
  private final Clock clock;
  private final OutcomeListener committedOutcomes;
  private final int index;
  private final Runnable firstAssignment;
  private boolean assigned;
  private final OwnedPartitions partitions;
  /**
   * The batches being decided, by partition, not yet sent: a partition revoked by a poll while its
   * batch is open loses the batch here, and its new owner decides those commands again.
   */
  private final OpenBatches openBatches;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread thread;
  /** Writes committed batches to the partition stores while the loop goes on; see {@link PipelinedStore}. */
  private final ExecutorService storeWriter;
  private final Counter commands;
  private final DistributionSummary batchSize;
  private final Timer commitLatency;
  private final Timer decideTime;
  private final Timer commandWait;
  private final Counter abortedBatches;
  private final Counter stateCacheHits;
  private final Counter stateCacheMisses;
  private volatile boolean running = true;
  private volatile @Nullable Throwable failure;
  private volatile @Nullable Consumer<byte[], byte[]> consumer;
  private CompletableFuture<?> topicsChecked = CompletableFuture.completedFuture(null);

  /**
   * @param index this loop's number in its instance, from 0; it picks the loop's group member and
   *     transactional ids
   * @param firstAssignment run once, after the loop's first partitions assignment is handled
   */
  public TaskLoop(int index, ServiceDefinition definition, RuntimeSettings settings, KafkaClients clients,
      PartitionStateLoader loader, PartitionSnapshots snapshots, FaultInjector faults, MeterRegistry meters, Clock clock,
      OutcomeListener committedOutcomes, Runnable firstAssignment) {
    this.index = index;
    this.firstAssignment = firstAssignment;
    this.definition = definition;
    this.settings = settings;
    this.topics = Topics.of(definition.name());
    this.partitioner = new Partitioner(settings.partitions());
    this.clients = clients;
    this.loader = loader;
    this.snapshots = snapshots;
    this.faults = faults;
    this.clock = clock;
    this.committedOutcomes = committedOutcomes;
    this.openBatches = new OpenBatches(settings.maxBatchRecords());
    String service = definition.name();
    this.commands = Counter.builder("tributary.commands").tag("service", service).register(meters);
    this.batchSize = DistributionSummary.builder("tributary.batch.size").tag("service", service).register(meters);
    this.commitLatency = Timer.builder("tributary.commit.latency").tag("service", service).register(meters);
    this.decideTime = Timer.builder("tributary.decide.time").tag("service", service).register(meters);
    this.commandWait = Timer.builder("tributary.command.wait").tag("service", service).register(meters);
    this.abortedBatches = Counter.builder("tributary.batch.aborted").tag("service", service).register(meters);
    this.stateCacheHits = Counter.builder("tributary.state.cache").tag("service", service).tag("result", "hit")
        .register(meters);
    this.stateCacheMisses = Counter.builder("tributary.state.cache").tag("service", service).tag("result", "miss")
        .register(meters);
    String suffix = index == 0 ? "" : "-" + index;
    this.thread = new Thread(this::run, "tributary-" + service + "-tasks" + suffix);
    this.storeWriter = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
        .name("tributary-" + service + "-store-writer" + suffix).factory());
    this.partitions = new OwnedPartitions(service, settings, loader, snapshots, storeWriter, meters);
  }

  /**
   * Starts the loop's thread. It creates its clients and fences an earlier run of this instance
   * ({@code initTransactions}) at once, and subscribes only once {@code topicsChecked} completes; if
   * that fails, the loop ends without joining the group (the caller reports the failure).
   */
  public void start(CompletableFuture<?> topicsChecked) {
    this.topicsChecked = topicsChecked;
    thread.start();
  }

  /** @return the partitions this instance owns and serves now */
  public Set<Integer> ownedPartitions() {
    return partitions.ownedNow();
  }

  /** @return the partitions stopped by a permanent failure, with the reason */
  public Map<Integer, String> stoppedPartitions() {
    return partitions.stoppedNow();
  }

  /** @return the failure that ended the loop, if it ended by one */
  public @Nullable Throwable failure() {
    return failure;
  }

  /** @return {@code true} while the loop's thread runs */
  public boolean isAlive() {
    return thread.isAlive();
  }

  /** Closes the group consumer within a bound, so a stop during a group join does not wait 30 s. */
  private record BoundedClose(Consumer<byte[], byte[]> consumer) implements AutoCloseable {
    @Override
    public void close() {
      // a static member stays in the group on close unless told to leave: leave, so the partitions move now
      consumer.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT)
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
  }

  private void run() {
    try (BoundedClose group = new BoundedClose(clients.commandConsumer(index));
        Producer<byte[], byte[]> txProducer = clients.transactionalProducer(index);
        Consumer<byte[], byte[]> replayConsumer = clients.replayConsumer(index)) {
      Consumer<byte[], byte[]> commandConsumer = group.consumer();
      consumer = commandConsumer;
      Replayer replayer = new Replayer(replayConsumer, definition, topics);
      txProducer.initTransactions();
      BatchAppender appender = new BatchAppender(txProducer, topics);
      // the runtime creates or checks the topics meanwhile, and reports it if that fails
      if (!topicsChecked.handle((checked, failed) -> failed == null).join()) {
        return;
      }
      commandConsumer.subscribe(List.of(topics.commands()), new Rebalance(commandConsumer, replayer));
      while (running) {
        ConsumerRecords<byte[], byte[]> records = commandConsumer.poll(settings.pollTimeout());
        if (!records.isEmpty()) {
          processBatch(commandConsumer, txProducer, appender, records);
        }
      }
    } catch (WakeupException closing) {
      // close() woke the consumer up
    } catch (FaultInjector.SimulatedCrash crash) {
      log.warn("{}: {}", definition.name(), crash.getMessage());
      failure = crash;
    } catch (Throwable e) {
      log.error("{}: the task loop stopped: {}", definition.name(), e.toString(), e);
      failure = e;
    } finally {
      try {
        loader.closeUnclaimed();
        partitions.closeAll();
      } finally {
        storeWriter.shutdown();
        finished.countDown();
      }
    }
  }

  private void processBatch(Consumer<byte[], byte[]> commandConsumer, Producer<byte[], byte[]> txProducer,
      BatchAppender appender, ConsumerRecords<byte[], byte[]> polled) {
    long decideStarted = System.nanoTime();
    long oldestAppend = Long.MAX_VALUE;
    ConsumerRecords<byte[], byte[]> records = polled;
    // The consumer fetches ahead: the records a poll returns were fetched while the last transaction
    // ran, and the commands that arrived since are fetched only now. Taking them into this batch with
    // polls that do not wait, while there are any and the batch is at most half full (a fuller one
    // gains little, and what does not fit is fetched again), spares them a wait of one more cycle.
    // Only a few such polls: under a steady trickle every one finds something new, and chasing it
    // delays the batch's oldest commands more than it saves the newest. A partition such a poll
    // revokes loses its open batch (see Rebalance.release): nothing of it was sent.
    int extraPolls = 0;
    do {
      oldestAppend = Math.min(oldestAppend, decideInto(commandConsumer, records));
    } while (running && openBatches.atMostHalfFull() && extraPolls++ < MAX_EXTRA_POLLS
        && System.nanoTime() - decideStarted < settings.pollTimeout().toNanos()
        && !(records = commandConsumer.poll(Duration.ZERO)).isEmpty());
    List<PartitionBatch> batches = openBatches.drain();
    if (batches.isEmpty()) {
      return;
    }
    decideTime.record(System.nanoTime() - decideStarted, TimeUnit.NANOSECONDS);
    // the record timestamps are the producers' clocks; a skewed producer clock shows up here, never below 0
    commandWait.record(Math.max(0, System.currentTimeMillis() - oldestAppend), TimeUnit.MILLISECONDS);
    BatchAppender.Appended appended;
    long started = System.nanoTime();
    try {
      txProducer.beginTransaction();
      appended = appender.append(batches);
      Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
      for (PartitionBatch batch : batches) {
        consumed.put(new TopicPartition(topics.commands(), batch.partition()),
            new OffsetAndMetadata(batch.nextCommandOffset()));
      }
      faults.at(FaultPoint.BEFORE_COMMIT);
      // carries the group generation: an owner that lost its partitions is refused here. Sent after
      // the events' flush: sent beside the events, right after the previous commit, it met the group
      // coordinator still holding that transaction's offsets (CONCURRENT_TRANSACTIONS, a client retry)
      // far more often
      txProducer.sendOffsetsToTransaction(consumed, commandConsumer.groupMetadata());
      // flushes the outcomes: the batch waits for the broker once for its events, once here
      txProducer.commitTransaction();
    } catch (ProducerFencedException e) {
      throw e; // another instance runs with this instance's transactional id: stop, do not fight it
    } catch (KafkaException e) {
      // fenced by a rebalance (stale generation), or the coordinator failed: nothing was appended
      log.warn("{}: batch aborted and will be retried: {}", definition.name(), e.toString());
      abortedBatches.increment();
      abortQuietly(txProducer, e);
      rewind(commandConsumer, batches);
      return;
    }
    commitLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    Map<Integer, long[]> nextOffsets = appended.nextOffsets();
    // the outcomes are durable now: callers waiting in this instance get them without waiting for
    // the commit markers and a read_committed fetch of the outcomes topic
    for (PartitionBatch batch : batches) {
      long nextOutcome = nextOffsets.get(batch.partition())[1];
      committedOutcomes.committed(batch.partition(), appended.firstOutcomeOffset(batch.partition()),
          nextOutcome < 0 ? -1 : nextOutcome - 1, batch.decidedOutcomes());
    }
    faults.at(FaultPoint.AFTER_COMMIT);
    // write RocksDB only after the commit; a crash in between is healed by replay
    int decided = 0;
    for (PartitionBatch batch : batches) {
      long[] next = nextOffsets.get(batch.partition());
      OwnedPartitions.Owned partition = partitions.get(batch.partition());
      partition.store().apply(batch.storeChanges(next[0], next[1], settings.commandRetention()));
      batch.cacheCommittedStates();
      snapshots.afterBatch(partition.store());
      decided += batch.commandCount();
      stateCacheHits.increment(partition.states().takeHits());
      stateCacheMisses.increment(partition.states().takeMisses());
    }
    commands.increment(decided);
    batchSize.record(decided);
  }

  /**
   * Decides {@code records} into the open batches, at most up to {@code maxBatchRecords} commands in
   * all; the consumer is sought back to the first record not decided of each partition, so it is
   * read again for the next batch, and so are the records of a partition that is not restored.
   *
   * @return the append timestamp of the oldest record decided, or {@code Long.MAX_VALUE}
   */
  private long decideInto(Consumer<byte[], byte[]> commandConsumer, ConsumerRecords<byte[], byte[]> records) {
    long oldestAppend = Long.MAX_VALUE;
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> partitionRecords = records.records(tp);
      OwnedPartitions.Owned owned = partitions.get(tp.partition());
      if (owned == null) {
        // not restored (stopped): read these records again later rather than pass over them
        commandConsumer.seek(tp, partitionRecords.getFirst().offset());
        continue;
      }
      long readAgainFrom = openBatches.decide(tp.partition(), partitionRecords, partition -> new PartitionBatch(
          partition, owned.store(), owned.states(), definition, partitioner, clock, clients.instanceId(),
          partitionRecords.size()));
      if (readAgainFrom != partitionRecords.getFirst().offset()) {
        oldestAppend = Math.min(oldestAppend, partitionRecords.getFirst().timestamp());
      }
      if (readAgainFrom >= 0) {
        commandConsumer.seek(tp, readAgainFrom); // no room left for these: the next batch reads them
      }
    }
    return oldestAppend;
  }

  private void rewind(Consumer<byte[], byte[]> commandConsumer, List<PartitionBatch> batches) {
    Set<TopicPartition> assigned = commandConsumer.assignment();
    for (PartitionBatch batch : batches) {
      TopicPartition tp = new TopicPartition(topics.commands(), batch.partition());
      if (assigned.contains(tp)) {
        commandConsumer.seek(tp, batch.firstCommandOffset());
      }
    }
  }

  private void abortQuietly(Producer<byte[], byte[]> txProducer, KafkaException cause) {
    try {
      txProducer.abortTransaction();
    } catch (KafkaException e) {
      cause.addSuppressed(e);
      throw cause;
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    private final Consumer<byte[], byte[]> commandConsumer;
    private final Replayer replayer;

    Rebalance(Consumer<byte[], byte[]> commandConsumer, Replayer replayer) {
      this.commandConsumer = commandConsumer;
      this.replayer = replayer;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> newlyAssigned) {
      for (TopicPartition tp : newlyAssigned) {
        // with read_committed this waits until the previous owner's pending offsets are committed or aborted
        commandConsumer.position(tp);
        restore(tp.partition());
      }
      if (!assigned) {
        assigned = true;
        // the instance closes the local stores opened ahead for partitions that went elsewhere
        firstAssignment.run();
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      revoked.forEach(tp -> release(tp.partition(), true));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      // another instance may already own these: no snapshot of state that may be stale
      lost.forEach(tp -> release(tp.partition(), false));
    }

    private void restore(int partition) {
      if (!partitions.restore(partition, replayer)) {
        // stopped: its commands stay in the topic until a restart after the fix
        commandConsumer.pause(List.of(new TopicPartition(topics.commands(), partition)));
      }
    }

    private void release(int partition, boolean snapshot) {
      openBatches.drop(partition);
      partitions.release(partition, snapshot);
    }
  }

  /** Tells the loop to stop, without waiting: see {@link #close()}. */
  public void stop() {
    running = false;
    Consumer<byte[], byte[]> current = consumer;
    if (current != null) {
      current.wakeup();
    }
  }

  /** Stops the loop and waits: the current batch completes, the consumer leaves the group, stores close. */
  @Override
  public void close() {
    stop();
    try {
      if (!finished.await(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{}: the task loop did not stop within 30 s", definition.name());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
