package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.internal.store.PartitionStateLoader;
import io.tributary.runtime.internal.wire.CommandRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task loop of an instance's command side: a thread that owns a group consumer of {@code
 * <svc>.commands} and decides the commands of its partitions in batches, and a {@link BatchCommitter}
 * whose thread appends each batch's events, outcomes and offsets in one transaction while the loop
 * decides the next batch. An instance runs {@link RuntimeSettings#taskThreads()} of them, each a
 * member of the group with partitions of its own. See docs/adr/0003-command-side.md, "Per batch".
 *
 * <p>Once a transaction commits, its outcomes go to {@code committedOutcomes}, which replies to the
 * callers waiting in this instance (see {@link OutcomeReader#committed}).
 *
 * <p>A committed batch is written to the partition stores by a writer thread while the loop polls
 * and decides the next one ({@link PipelinedStore}).
 */
public final class TaskLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TaskLoop.class);
  private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  /** How long the loop waits for the batch in flight when a poll without waiting found nothing. */
  private static final long IN_FLIGHT_WAIT_MICROS = 1_000;
  /** The longest wait before deciding the commands of an aborted batch again, after aborts in a row. */
  private static final long MAX_ABORT_BACKOFF_MILLIS = 5_000;
  /**
   * The timer of the loop's waits for the transaction in flight to end while commands it decided wait
   * to be sent: its next batch full, or a rebalance or a stop. While it waits, the loop decides
   * nothing. The loop's short waits after a poll that found nothing are not counted.
   */
  static final String TRANSACTION_WAIT = "tributary.transaction.wait";
  /** How many commands a batch created for a handed command is sized for. */
  private static final int HANDED_BATCH_SIZE = 64;

  private final ServiceDefinition definition;
  private final RuntimeSettings settings;
  /**
   * The largest event or outcome record the loop's producers take: the producer's limit, and once the
   * topics are checked the topics' too. Read and set by the loop's thread.
   */
  private RecordSizeLimit recordLimit;
  private final Topics topics;
  private final Partitioner partitioner;
  private final KafkaClients clients;
  /** This instance's id as UTF-8, as the commands its gateway appends name it in {@code reply_to}. */
  private final ByteString instanceId;
  private final PartitionStateLoader loader;
  private final PartitionSnapshots snapshots;
  private final FaultInjector faults;
  private final Clock clock;
  private final OutcomeListener committedOutcomes;
  private final int index;
  /** Ends the names of this loop's threads: empty for loop 0, else {@code -<index>}. */
  private final String threadSuffix;
  private final Runnable firstAssignment;
  private boolean assigned;
  /** Aborted transactions since the last commit, and when the loop may send again after them. */
  private int abortsInARow;
  private long retryAtNanos = System.nanoTime();
  private final OwnedPartitions partitions;
  /** Takes the commands this instance's gateway hands over for the partitions the loop owns (ADR 0009). */
  private final LocalHandoff handoff;
  private final LocalHandoff.Inbox inbox;
  /**
   * Handed commands to decide before the inbox's: those of an aborted batch and of the open batches
   * dropped with it, in the order they were decided. Used by the loop's thread only.
   */
  private final ArrayDeque<LocalHandoff.Handed> handedAgain = new ArrayDeque<>();
  /**
   * The batches being decided, by partition, not yet sent: a partition revoked by a poll while its
   * batch is open loses the batch here, and its new owner decides those commands again.
   */
  private final OpenBatches openBatches;
  /** The batches whose transaction runs on the committer, not yet written to the stores; or null. */
  private BatchCommitter.@Nullable InFlight inFlight;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread thread;
  /** Writes committed batches to the partition stores while the loop goes on; see {@link PipelinedStore}. */
  private final ExecutorService storeWriter;
  private final Counter commands;
  private final DistributionSummary batchSize;
  private final Timer commitLatency;
  private final Timer decideTime;
  private final Timer commandWait;
  private final Timer transactionWait;
  private final BatchCommitter.Phases transactionPhases;
  private final Counter abortedBatches;
  private final Counter stateCacheHits;
  private final Counter stateCacheMisses;
  private volatile boolean running = true;
  private volatile @Nullable Throwable failure;
  private volatile @Nullable Consumer<byte[], byte[]> consumer;
  private CompletableFuture<Integer> topicsChecked = CompletableFuture.completedFuture(Integer.MAX_VALUE);

  /**
   * @param index this loop's number in its instance, from 0; it picks the loop's group member and
   *     transactional ids
   * @param firstAssignment run once, after the loop's first partitions assignment is handled
   * @param handoff where the loop takes the commands of its partitions that the gateway hands over
   */
  public TaskLoop(int index, ServiceDefinition definition, RuntimeSettings settings, KafkaClients clients,
      PartitionStateLoader loader, PartitionSnapshots snapshots, FaultInjector faults, MeterRegistry meters, Clock clock,
      OutcomeListener committedOutcomes, Runnable firstAssignment, LocalHandoff handoff) {
    this.index = index;
    this.handoff = handoff;
    this.inbox = new LocalHandoff.Inbox(settings.maxBatchRecords());
    this.firstAssignment = firstAssignment;
    this.definition = definition;
    this.settings = settings;
    // checks max.request.size before the loop creates anything
    this.recordLimit = RecordSizeLimit.of(settings.kafkaProperties());
    this.topics = Topics.of(definition.name());
    this.partitioner = new Partitioner(settings.partitions());
    this.clients = clients;
    this.instanceId = ByteString.copyFromUtf8(clients.instanceId());
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
    this.transactionWait = Timer.builder(TRANSACTION_WAIT).tag("service", service).register(meters);
    this.transactionPhases = BatchCommitter.Phases.register(meters, service);
    Gauge.builder("tributary.batch.open", openBatches, OpenBatches::commandCount).tag("service", service)
        .tag("loop", Integer.toString(index))
        .register(meters);
    this.abortedBatches = Counter.builder("tributary.batch.aborted").tag("service", service).register(meters);
    this.stateCacheHits = Counter.builder("tributary.state.cache").tag("service", service).tag("result", "hit")
        .register(meters);
    this.stateCacheMisses = Counter.builder("tributary.state.cache").tag("service", service).tag("result", "miss")
        .register(meters);
    this.threadSuffix = index == 0 ? "" : "-" + index;
    this.thread = new Thread(this::run, "tributary-" + service + "-tasks" + threadSuffix);
    this.storeWriter = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
        .name("tributary-" + service + "-store-writer" + threadSuffix).factory());
    this.partitions = new OwnedPartitions(service, settings, loader, snapshots, storeWriter, meters);
    Gauge.builder("tributary.state.cache.bytes", partitions, OwnedPartitions::stateCacheBytes).tag("service", service)
        .tag("loop", Integer.toString(index)).register(meters);
    Gauge.builder("tributary.store.dedupe.filter.bytes", partitions, OwnedPartitions::dedupeFilterBytes)
        .tag("service", service).tag("loop", Integer.toString(index)).register(meters);
  }

  /**
   * Starts the loop's thread. It creates its clients and fences an earlier run of this instance
   * ({@code initTransactions}) at once, and subscribes only once {@code topicsChecked} completes; if
   * that fails, the loop ends without joining the group (the caller reports the failure).
   *
   * @param topicsChecked completes with the smallest {@code max.message.bytes} of the events and
   *     outcomes topics ({@link Topics#ensure})
   */
  public void start(CompletableFuture<Integer> topicsChecked) {
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
      consumer.close(CloseOptions.timeout(CLIENT_CLOSE_TIMEOUT)
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
  }

  /** Closes the admin client within a bound. */
  private record BoundedAdmin(Admin admin) implements AutoCloseable {
    @Override
    public void close() {
      admin.close(CLIENT_CLOSE_TIMEOUT);
    }
  }

  private void run() {
    try (BoundedClose group = new BoundedClose(clients.commandConsumer(index));
        Consumer<byte[], byte[]> replayConsumer = clients.replayConsumer(index);
        BoundedAdmin admin = new BoundedAdmin(clients.admin());
        BatchCommitter committer = new BatchCommitter(clients, index, topics, faults, committedOutcomes, commitLatency,
            transactionPhases, "tributary-" + definition.name() + "-committer" + threadSuffix)) {
      Consumer<byte[], byte[]> commandConsumer = group.consumer();
      consumer = commandConsumer;
      inbox.wakeWith(commandConsumer::wakeup);
      Replayer replayer = new Replayer(replayConsumer, definition, topics, new CommittingTransactions(admin.admin(),
          CommittingTransactions.maxWait(settings.kafkaProperties()), () -> !running));
      // connects to a broker before the first assignment, so the first partition's check does not wait for
      // that; what it answers is not needed, and a failure shows again in the check itself
      admin.admin().describeCluster();
      // the runtime creates or checks the topics meanwhile, and reports it if that fails
      @Nullable Integer maxMessageBytes = topicsChecked.handle((bytes, failed) -> failed == null ? bytes : null).join();
      if (maxMessageBytes == null) {
        return;
      }
      recordLimit = recordLimit.withinTopics(maxMessageBytes, topics.events() + " and " + topics.outcomes());
      commandConsumer.subscribe(List.of(topics.commands()), new Rebalance(commandConsumer, replayer));
      boolean stopped = false;
      try {
        while (running) {
          try {
            step(commandConsumer, committer);
          } catch (WakeupException woken) {
            // stop() woke the poll, or a handed command did (ADR 0009): the loop's condition tells which
          }
        }
        stopped = true;
      } finally {
        if (inFlight != null) {
          if (stopped) {
            finishInFlight(commandConsumer); // a graceful stop writes the last committed batch to the stores
          } else {
            // let it end before the producer closes; if it did not commit, its handed commands go to the
            // topic with the others when the loop ends
            BatchCommitter.InFlight last = inFlight;
            if (last.done().handle((appended, failed) -> failed != null).join()) {
              handAgain(last.batches(), List.of());
            }
          }
        }
      }
    } catch (FaultInjector.SimulatedCrash crash) {
      log.warn("{}: {}", definition.name(), crash.getMessage());
      failure = crash;
    } catch (Throwable e) {
      log.error("{}: the task loop stopped: {}", definition.name(), e.toString(), e);
      failure = e;
    } finally {
      try {
        handBackToTopic();
        partitions.ownedNow().forEach(committedOutcomes::released);
        loader.closeUnclaimed();
        partitions.closeAll();
      } finally {
        storeWriter.shutdown();
        finished.countDown();
      }
    }
  }

  /**
   * One turn of the loop: ends the batch in flight if it is done (or waits for it if the open
   * batches are full), sends the open batches if nothing is in flight, and polls and decides. With a
   * batch in flight the poll does not wait; if it found nothing, the loop waits a moment for the
   * batch in flight instead, whose end is what lets the next batch go.
   */
  private void step(Consumer<byte[], byte[]> commandConsumer, BatchCommitter committer) {
    long backingOff = retryAtNanos - System.nanoTime();
    if (inFlight == null && backingOff > 0) {
      // after aborts in a row: the consumer's heartbeats go on in the background meanwhile
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(backingOff, settings.pollTimeout().toNanos()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while waiting to retry an aborted batch", e);
      }
      return;
    }
    if (inFlight != null && (inFlight.done().isDone() || openBatches.isFull())) {
      finishInFlight(commandConsumer);
    }
    if (inFlight == null && !openBatches.isEmpty()) {
      send(commandConsumer, committer);
    }
    // waits only with nothing to send or decide: a command handed over meanwhile wakes the poll
    boolean waits = inFlight == null && openBatches.isEmpty() && handedAgain.isEmpty() && inbox.park();
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = commandConsumer.poll(waits ? settings.pollTimeout() : Duration.ZERO);
    } finally {
      if (waits) {
        inbox.unpark();
      }
    }
    if (!records.isEmpty()) {
      decideInto(commandConsumer, records);
    }
    // the records first: handed commands never keep those of the topic waiting, and while the batches
    // are full they wait in the bounded inbox, or go to the topic
    boolean handed = decideHanded();
    if (records.isEmpty() && !handed && inFlight != null) {
      try {
        inFlight.done().get(IN_FLIGHT_WAIT_MICROS, TimeUnit.MICROSECONDS);
      } catch (TimeoutException | ExecutionException stillRunningOrEnded) {
        // the next turn looks at it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while waiting for a transaction", e);
      }
    }
  }

  /** Hands the open batches to the committer: the loop decides the next ones while they commit. */
  private void send(Consumer<byte[], byte[]> commandConsumer, BatchCommitter committer) {
    decideTime.record(openBatches.decideNanos(), TimeUnit.NANOSECONDS);
    // the record timestamps are the producers' clocks; a skewed producer clock shows up here, never below 0
    commandWait.record(Math.max(0, System.currentTimeMillis() - openBatches.oldestAppend()), TimeUnit.MILLISECONDS);
    for (PartitionBatch batch : openBatches.open()) {
      if (!batch.readFromTopic()) {
        // every record polled so far is decided or sought back: the position is what is committed already
        batch.consumedUpTo(position(commandConsumer, new TopicPartition(topics.commands(), batch.partition())));
      }
    }
    List<PartitionBatch> batches = openBatches.drain();
    try {
      inFlight = committer.commit(batches, commandConsumer.groupMetadata());
    } catch (RuntimeException e) {
      handAgain(batches, List.of()); // the loop stops: its end hands them to the topic
      throw e;
    }
  }

  /**
   * Decides the handed commands, those of an aborted batch first, into the open batches while they
   * have room. A command whose partition the loop no longer owns goes to the topic, for its owner.
   *
   * @return whether there was any
   */
  private boolean decideHanded() {
    boolean any = false;
    while (!openBatches.isFull()) {
      LocalHandoff.Handed handed = handedAgain.isEmpty() ? inbox.poll() : handedAgain.poll();
      if (handed == null) {
        break;
      }
      any = true;
      OwnedPartitions.Owned owned = partitions.get(handed.partition());
      if (owned == null) {
        handoff.toTopic(handed.command());
      } else {
        openBatches.decideHanded(handed.partition(), handed.command(), p -> newBatch(p, owned, HANDED_BATCH_SIZE));
      }
    }
    return any;
  }

  private PartitionBatch newBatch(int partition, OwnedPartitions.Owned owned, int expectedCommands) {
    @Nullable PartitionBatch previous = inFlight == null ? null : inFlight.of(partition);
    return new PartitionBatch(partition, owned.store(), owned.states(), previous, definition, partitioner, clock,
        instanceId, expectedCommands, recordLimit);
  }

  /**
   * The consumer's position in {@code tp}, known since the partition was assigned. A wakeup meant for
   * a poll that ended before it (ADR 0009) may end this call instead: it is asked again then.
   */
  private long position(Consumer<byte[], byte[]> commandConsumer, TopicPartition tp) {
    while (true) {
      try {
        return commandConsumer.position(tp);
      } catch (WakeupException woken) {
        if (!running) {
          throw woken;
        }
      }
    }
  }

  /**
   * Appends to the topic the handed commands the loop will not decide now that it ends: those of the
   * open batches, of a batch that did not commit, and in the inbox; the partitions' owners decide them
   * (a command that did commit after all is answered there as a duplicate, with its first outcome).
   */
  private void handBackToTopic() {
    for (int partition = 0; partition < settings.partitions(); partition++) {
      handoff.release(partition, inbox);
    }
    List<CommandRecord> left = new ArrayList<>();
    handedAgain.forEach(handed -> left.add(handed.command()));
    handedAgain.clear();
    openBatches.drain().forEach(batch -> left.addAll(batch.handed()));
    left.addAll(inbox.close());
    left.forEach(handoff::toTopic);
  }

  /**
   * Waits for the batch in flight to end. Committed: writes it to the stores and the state caches.
   * Aborted: drops the open batches too, which were decided on its states, and seeks the consumer
   * back to the first command of each, to decide them all again.
   */
  private void finishInFlight(Consumer<byte[], byte[]> commandConsumer) {
    BatchCommitter.InFlight ended = inFlight;
    if (ended == null) {
      return;
    }
    inFlight = null;
    BatchAppender.Appended appended;
    // a wait counts only while decided commands wait to be sent: a full next batch, a rebalance, a stop
    long waitStarted = ended.done().isDone() || openBatches.isEmpty() ? -1 : System.nanoTime();
    try {
      appended = BatchCommitter.await(ended);
    } catch (BatchCommitter.Aborted e) {
      recordWait(waitStarted);
      abortedBatches.increment();
      abortsInARow++;
      // a rebalance's abort is retried at once; one that keeps failing does not hammer the brokers
      long backoffMillis = abortsInARow == 1 ? 0 : Math.min(MAX_ABORT_BACKOFF_MILLIS, 50L << Math.min(abortsInARow, 10));
      retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
      log.warn("{}: batch aborted ({} in a row); its commands are decided again in {} ms: {}", definition.name(),
          abortsInARow, backoffMillis, e.getMessage());
      List<PartitionBatch> dropped = openBatches.drain();
      rewind(commandConsumer, ended.batches(), dropped);
      handAgain(ended.batches(), dropped);
      return;
    } catch (RuntimeException | Error e) {
      // the loop stops, and whether the batch committed may not be known: its end hands the batch's
      // handed commands to the topic, where a committed one is answered as a duplicate
      handAgain(ended.batches(), List.of());
      throw e;
    }
    recordWait(waitStarted);
    abortsInARow = 0;
    faults.at(FaultPoint.AFTER_COMMIT);
    // write RocksDB only after the commit; a crash in between is healed by replay
    Map<Integer, long[]> nextOffsets = appended.nextOffsets();
    int decided = 0;
    for (PartitionBatch batch : ended.batches()) {
      long[] next = nextOffsets.get(batch.partition());
      OwnedPartitions.Owned partition = partitions.get(batch.partition());
      // the store batch is assembled and written on the writer thread; reads see it at once
      partition.store().apply(batch.pendingChanges(next[0], next[1], settings.commandRetention()));
      batch.cacheCommittedStates();
      snapshots.afterBatch(partition.store());
      decided += batch.commandCount();
      stateCacheHits.increment(partition.states().takeHits());
      stateCacheMisses.increment(partition.states().takeMisses());
    }
    openBatches.inFlightApplied();
    commands.increment(decided);
    batchSize.record(decided);
  }

  /** Records a wait for the transaction in flight begun at {@code started} (nanoTime); none if it is -1. */
  private void recordWait(long started) {
    if (started >= 0) {
      transactionWait.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Decides {@code records} into the open batches, at most up to {@code maxBatchRecords} commands in
   * all; the consumer is sought back to the first record not decided of each partition, so it is
   * read again for the next batch, and so are the records of a partition that is not restored.
   */
  private void decideInto(Consumer<byte[], byte[]> commandConsumer, ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> partitionRecords = records.records(tp);
      OwnedPartitions.Owned owned = partitions.get(tp.partition());
      if (owned == null) {
        // not restored (stopped): read these records again later rather than pass over them
        commandConsumer.seek(tp, partitionRecords.getFirst().offset());
        continue;
      }
      long readAgainFrom = openBatches.decide(tp.partition(), partitionRecords,
          partition -> newBatch(partition, owned, partitionRecords.size()));
      if (readAgainFrom >= 0) {
        commandConsumer.seek(tp, readAgainFrom); // no room left for these: the next batch reads them
      }
    }
  }

  /** Seeks each assigned partition of {@code aborted} and {@code dropped} back to its first command in them. */
  private void rewind(Consumer<byte[], byte[]> commandConsumer, List<PartitionBatch> aborted,
      List<PartitionBatch> dropped) {
    Map<Integer, Long> from = new HashMap<>();
    for (List<PartitionBatch> batches : List.of(aborted, dropped)) {
      for (PartitionBatch batch : batches) {
        if (batch.readFromTopic()) {
          from.merge(batch.partition(), batch.firstCommandOffset(), Math::min);
        }
      }
    }
    Set<TopicPartition> assigned = commandConsumer.assignment();
    from.forEach((partition, offset) -> {
      TopicPartition tp = new TopicPartition(topics.commands(), partition);
      if (assigned.contains(tp)) {
        commandConsumer.seek(tp, offset);
      }
    });
  }

  /**
   * Puts the handed commands of {@code aborted} and {@code dropped} ahead of the others, in the order
   * they were decided: the loop decides them again, as it reads again the records of those batches.
   */
  private void handAgain(List<PartitionBatch> aborted, List<PartitionBatch> dropped) {
    List<LocalHandoff.Handed> again = new ArrayList<>();
    for (List<PartitionBatch> batches : List.of(aborted, dropped)) {
      for (PartitionBatch batch : batches) {
        batch.handed().forEach(command -> again.add(new LocalHandoff.Handed(batch.partition(), command)));
      }
    }
    again.addAll(handedAgain);
    handedAgain.clear();
    handedAgain.addAll(again);
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
        position(commandConsumer, tp);
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
      // a committed batch in flight is written before its partitions' stores close
      finishInFlight(commandConsumer);
      revoked.forEach(tp -> release(tp.partition(), true));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      finishInFlight(commandConsumer);
      // another instance may already own these: no snapshot of state that may be stale
      lost.forEach(tp -> release(tp.partition(), false));
    }

    private void restore(int partition) {
      if (partitions.restore(partition, replayer)) {
        // from here this loop answers the callers of the partition's commands; the outcome reader stops
        // fetching what the loop appends
        committedOutcomes.owned(partition, partitions.get(partition).store().outcomesOffset());
        handoff.own(partition, inbox);
        partitions.serving(partition);
      } else {
        // stopped: its commands stay in the topic until a restart after the fix
        commandConsumer.pause(List.of(new TopicPartition(topics.commands(), partition)));
      }
    }

    private void release(int partition, boolean snapshot) {
      if (partitions.get(partition) != null) {
        committedOutcomes.released(partition);
      }
      handoff.release(partition, inbox);
      // the partition's new owner decides the commands handed over for it here
      openBatches.drop(partition).forEach(handoff::toTopic);
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
