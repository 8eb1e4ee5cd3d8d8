package io.tributary.runtime.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.error.TransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the transactions of a task loop's batches on a thread of its own, one at a time, so the loop
 * decides the next batch while the last one is appended and committed (ADR 0003, "Per batch"). A
 * transaction sends the batches' events and outcomes ({@link BatchAppender}) and the consumed
 * command offsets with the group metadata the loop read for it, commits, and then replies to the
 * callers waiting in this instance. A transaction that fails is aborted here and reported as {@link
 * Aborted}; a simulated crash is reported as it is.
 *
 * <p>A producer that cannot end its transaction any more (fenced: the transaction coordinator aborted
 * a transaction held past {@code transaction.timeout.ms}, which bumps the producer's epoch; or its
 * abort failed) is replaced: the new producer's {@code initTransactions} aborts whatever the
 * transactional id left open, and the batch is reported as {@link Aborted}, so its commands are
 * decided again. Such a transaction never committed: its coordinator refuses to commit a
 * transaction it aborted ({@code INVALID_TXN_STATE} in Kafka 4.3, {@code PRODUCER_FENCED} later),
 * and the loop stops instead on a commit whose outcome is not known ({@link CommitOutcomeUnknown}).
 * A producer fenced again within {@link #REPLACE_WINDOW} of its replacement (another process runs
 * with this instance's transactional ids) is reported as it is: the loop stops rather than fight it.
 *
 * <p>The transactions take turns on {@link #LANES} transactional producers. Right after a commit the
 * transaction coordinator still writes that transaction's markers, and the next transaction of the
 * same transactional id waits for them (CONCURRENT_TRANSACTIONS); the next transaction of another
 * id does not. With two lanes each producer's markers have a whole transaction of the other's to be
 * written. The transactions still run one after the other, so the log and the consumed offsets see
 * them in the order the loop decided them.
 */
final class BatchCommitter implements AutoCloseable {
  /** How many transactional producers take turns. */
  static final int LANES = 2;
  /** How many times a commit that timed out is awaited before its outcome counts as unknown. */
  static final int COMMIT_ATTEMPTS = 3;
  private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(5);
  /** A lane whose producer is fenced again within this long of its replacement stops the loop. */
  static final Duration REPLACE_WINDOW = Duration.ofMinutes(1);
  private static final Logger log = LoggerFactory.getLogger(BatchCommitter.class);

  /** The batches of one transaction, and its end: the appended offsets once it committed. */
  record InFlight(List<PartitionBatch> batches, Map<Integer, PartitionBatch> byPartition,
      CompletableFuture<BatchAppender.Appended> done) {
    /** @return the partition's batch in this transaction, or null */
    @Nullable PartitionBatch of(int partition) {
      return byPartition.get(partition);
    }
  }

  /**
   * The timers of a committed transaction's steps (metric {@code tributary.transaction.phase}, tag
   * {@code phase}): the sends of its events and outcomes, the wait for their acknowledgements, the
   * consumed offsets, and the commit. Together they make {@code tributary.commit.latency}, less the
   * moments between them.
   */
  record Phases(Timer append, Timer flush, Timer offsets, Timer commit) {
    static final String METRIC = "tributary.transaction.phase";

    static Phases register(MeterRegistry meters, String service) {
      return new Phases(phase(meters, service, "append"), phase(meters, service, "flush"),
          phase(meters, service, "offsets"), phase(meters, service, "commit"));
    }

    private static Timer phase(MeterRegistry meters, String service, String phase) {
      return Timer.builder(METRIC).tag("service", service).tag("phase", phase).register(meters);
    }
  }

  /** The transaction failed and was aborted: nothing of it was appended; its commands are decided again. */
  static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted(KafkaException cause) {
      super(cause.toString(), cause);
    }
  }

  /** Per lane; a lane's producer is replaced on the committer thread ({@link #replace}). */
  private final List<Producer<byte[], byte[]>> producers;
  private final List<BatchAppender> appenders;
  /** Per lane, whether its producer was replaced, and when ({@link System#nanoTime}). */
  private final boolean[] replaced = new boolean[LANES];
  private final long[] replacedAt = new long[LANES];
  private final KafkaClients clients;
  private final int loop;
  private int next;
  private final Topics topics;
  private final FaultInjector faults;
  private final OutcomeListener committedOutcomes;
  private final Timer commitLatency;
  private final Phases phases;
  private final ExecutorService thread;
  /** Set on a simulated crash in a transaction: closing then leaves that transaction open. */
  private volatile boolean crashed;

  /**
   * Creates the producers of task loop {@code loop} and fences an earlier run of each
   * ({@code initTransactions}, all at once: after a crash each may have a transaction to abort).
   */
  BatchCommitter(KafkaClients clients, int loop, Topics topics, FaultInjector faults,
      OutcomeListener committedOutcomes, Timer commitLatency, Phases phases, String threadName) {
    List<Producer<byte[], byte[]>> created = new ArrayList<>(LANES);
    try {
      for (int lane = 0; lane < LANES; lane++) {
        created.add(clients.transactionalProducer(loop, lane));
      }
      List<CompletableFuture<Void>> fenced = created.subList(1, LANES).stream()
          .map(producer -> CompletableFuture.runAsync(producer::initTransactions)).toList();
      created.getFirst().initTransactions();
      fenced.forEach(BatchCommitter::join);
    } catch (RuntimeException e) {
      created.forEach(producer -> closeQuietly(producer, e));
      throw e;
    }
    this.producers = new ArrayList<>(created);
    this.appenders = new ArrayList<>(producers.stream().map(producer -> new BatchAppender(producer, topics)).toList());
    this.clients = clients;
    this.loop = loop;
    this.topics = topics;
    this.faults = faults;
    this.committedOutcomes = committedOutcomes;
    this.commitLatency = commitLatency;
    this.phases = phases;
    this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(threadName).factory());
  }

  /**
   * Starts the transaction of {@code batches}; call it only when no other is in flight.
   *
   * @param group the group metadata of the consumer that read the commands, read on its thread: a
   *     generation that is no longer current makes the transaction fail
   */
  InFlight commit(List<PartitionBatch> batches, ConsumerGroupMetadata group) {
    Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
    Map<Integer, PartitionBatch> byPartition = HashMap.newHashMap(batches.size());
    for (PartitionBatch batch : batches) {
      consumed.put(new TopicPartition(topics.commands(), batch.partition()),
          new OffsetAndMetadata(batch.nextCommandOffset()));
      byPartition.put(batch.partition(), batch);
    }
    int lane = next;
    next = (next + 1) % LANES;
    return new InFlight(List.copyOf(batches), byPartition,
        CompletableFuture.supplyAsync(() -> transact(lane, batches, consumed, group), thread));
  }

  private BatchAppender.Appended transact(int lane, List<PartitionBatch> batches,
      Map<TopicPartition, OffsetAndMetadata> consumed, ConsumerGroupMetadata group) {
    Producer<byte[], byte[]> producer = producers.get(lane);
    long started = System.nanoTime();
    BatchAppender.Appended appended;
    try {
      producer.beginTransaction();
      appended = appenders.get(lane).append(batches);
      long sent = System.nanoTime();
      // the offsets go once the events are in: sent beside them, they met the other lane's
      // transaction, just committed, whose marker the group coordinator had not yet applied to the
      // offsets, and each CONCURRENT_TRANSACTIONS answer made the producer sleep retry.backoff.ms
      producer.flush();
      long flushed = System.nanoTime();
      faults.at(FaultPoint.BEFORE_COMMIT);
      long offsetsFrom = System.nanoTime();
      // carries the group generation: an owner that lost its partitions is refused here
      producer.sendOffsetsToTransaction(consumed, group);
      long offsetsSent = System.nanoTime();
      faults.at(FaultPoint.OFFSETS_SENT);
      long commitFrom = System.nanoTime();
      commit(producer, lane);
      // the steps of committed transactions only, as the commit latency
      phases.append().record(sent - started, TimeUnit.NANOSECONDS);
      phases.flush().record(flushed - sent, TimeUnit.NANOSECONDS);
      phases.offsets().record(offsetsSent - offsetsFrom, TimeUnit.NANOSECONDS);
      phases.commit().record(System.nanoTime() - commitFrom, TimeUnit.NANOSECONDS);
    } catch (FaultInjector.SimulatedCrash crash) {
      crashed = true; // the producers close without the abort a graceful close sends, as a crash leaves it
      throw crash;
    } catch (ProducerFencedException e) {
      throw replace(lane, e);
    } catch (KafkaException e) {
      // fenced by a rebalance (stale generation), the coordinator failed, or a send was refused:
      // nothing was appended
      try {
        producer.abortTransaction();
      } catch (RuntimeException abortFailed) {
        e.addSuppressed(abortFailed);
        throw replace(lane, e);
      }
      throw new Aborted(e);
    }
    commitLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    appended.complete(); // every send is acknowledged: this reads offsets, it does not wait
    // the outcomes are durable now, and positioned: callers waiting in this instance get them without
    // waiting for the commit markers and a read_committed fetch of the outcomes topic
    Map<Integer, long[]> nextOffsets = appended.nextOffsets();
    for (PartitionBatch batch : batches) {
      long nextOutcome = nextOffsets.get(batch.partition())[1];
      committedOutcomes.committed(batch.partition(), appended.firstOutcomeOffset(batch.partition()),
          nextOutcome < 0 ? -1 : nextOutcome - 1, batch.decidedOutcomes());
    }
    return appended;
  }

  /**
   * Replaces the producer of {@code lane}, which cannot end its transaction: the new one's {@code
   * initTransactions} aborts what the transactional id left open and waits for that.
   *
   * @return {@link Aborted}, for the caller to throw: the batch's commands are decided again
   * @throws KafkaException if the lane's producer was replaced less than {@link #REPLACE_WINDOW} ago
   *     (caused by {@code failure}), or {@code failure} itself if the replacement failed (suppressed
   *     in it): the loop stops
   */
  private Aborted replace(int lane, KafkaException failure) {
    long now = System.nanoTime();
    if (replaced[lane] && now - replacedAt[lane] < REPLACE_WINDOW.toNanos()) {
      // fenced again so soon: another process runs with this instance's transactional ids; stop, do not fight it
      throw new KafkaException("The transactional producer of lane " + lane + " could not end its transaction"
          + " again within " + REPLACE_WINDOW.toSeconds() + " s of its replacement, so the task loop stops rather"
          + " than fence it once more: another process may run as instance " + clients.instanceId() + " (each"
          + " instance needs a state directory of its own, where its id is kept), or transactions keep outliving"
          + " transaction.timeout.ms (long JVM pauses, slow brokers). Fix that, then restart: the partitions replay"
          + " what committed.", failure);
    }
    log.warn("{}: the transactional producer of lane {} cannot end its transaction ({}); replacing it, and"
        + " deciding the batch's commands again. A transaction held past transaction.timeout.ms is aborted by"
        + " its coordinator: if this repeats, look for long pauses of this JVM or slow brokers.",
        Thread.currentThread().getName(), lane, failure.toString());
    try {
      // nothing of its transaction is kept: the new producer aborts it
      producers.get(lane).close(Duration.ZERO);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
    try {
      Producer<byte[], byte[]> fresh = clients.transactionalProducer(loop, lane);
      try {
        fresh.initTransactions();
      } catch (RuntimeException e) {
        closeQuietly(fresh, failure);
        throw e;
      }
      producers.set(lane, fresh);
      appenders.set(lane, new BatchAppender(fresh, topics));
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
      throw failure;
    }
    replaced[lane] = true;
    replacedAt[lane] = now;
    return new Aborted(failure);
  }

  /**
   * Commits the open transaction. A commit that timed out (the producer's {@code max.block.ms}) has
   * an outcome not known yet and cannot be aborted; the producer lets it be awaited again, a few times.
   *
   * @throws CommitOutcomeUnknown if it still has not ended: the loop must stop, and the partitions'
   *     next owner replays whatever committed
   */
  private void commit(Producer<byte[], byte[]> producer, int lane) {
    for (int attempt = 1; ; attempt++) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        if (attempt == COMMIT_ATTEMPTS) {
          throw new CommitOutcomeUnknown(e);
        }
        log.warn("{}: committing a transaction of lane {} timed out (attempt {} of {}); waiting for it again",
            Thread.currentThread().getName(), lane, attempt, COMMIT_ATTEMPTS);
      }
    }
  }

  /** A commit that did not end in {@link #COMMIT_ATTEMPTS} waits: whether it committed is not known. */
  static final class CommitOutcomeUnknown extends TransientException {
    private static final long serialVersionUID = 1L;

    CommitOutcomeUnknown(TimeoutException cause) {
      super("A transaction's commit did not end within " + COMMIT_ATTEMPTS + " times the producer's max.block.ms,"
          + " so whether it committed is not known; the task loop stops. Check that the brokers and the"
          + " transaction coordinator are reachable, then restart: the partitions replay what committed.", cause);
    }
  }

  /**
   * Waits for the transaction's end.
   *
   * @return the appended offsets if it committed
   * @throws Aborted if it was aborted: the caller decides its commands again
   * @throws RuntimeException or {@link Error} what else ended it (a producer fenced again soon after its
   *     replacement, a commit whose outcome is not known, a simulated crash): the loop must stop
   */
  static BatchAppender.Appended await(InFlight inFlight) {
    return join(inFlight.done());
  }

  /** Waits for {@code future}, and throws what ended it as it was thrown. */
  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /** Stops the thread once the transaction in flight, if any, has ended, and closes the producers. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      RuntimeException failed = new RuntimeException("Closing the task loop's transactional producers failed; a"
          + " transaction one of them left open is aborted by the broker at transaction.timeout.ms.");
      producers.forEach(producer -> closeQuietly(producer, failed));
      if (failed.getSuppressed().length > 0) {
        throw failed;
      }
    }
  }

  private void closeQuietly(Producer<byte[], byte[]> producer, RuntimeException failure) {
    try {
      // bounded: after a failed abort the producer would otherwise go on retrying it while it closes
      producer.close(crashed ? Duration.ZERO : PRODUCER_CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }
}
