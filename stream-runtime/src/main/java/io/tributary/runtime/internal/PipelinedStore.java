package io.tributary.runtime.internal;

import io.micrometer.core.instrument.Timer;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A partition store whose writes run on a writer thread, so the task loop polls and decides the next
 * batch while the last ones are written to RocksDB. The writes of a partition queue up on the writer
 * in the order applied, at most {@link #MAX_QUEUED} of them: a further {@link #apply} waits for the
 * oldest. Until a batch is written, reads see it here: an aggregate or outcome it holds is answered
 * from the newest batch that holds it, its offsets are the store's offsets. A checkpoint taken with
 * {@link #checkpointWhenWritten} queues behind the writes too, so it holds every batch applied
 * before it, and the loop does not wait while RocksDB flushes for it. Close waits for every queued
 * write and checkpoint. Dedupe entries a batch expires stay readable until it is written: an entry
 * may outlive its retention by the batches queued, never fall short of it. A failed write is thrown by the next
 * call that finds it (the next apply, a checkpoint or close), and every write queued after it is
 * refused, so the store never holds a batch without the ones before it; the Kafka log holds them
 * all, so replay heals the store.
 *
 * <p>Used by the task loop thread only; the writer thread touches only the wrapped store's {@code
 * apply} and {@code checkpoint}, which RocksDB allows beside reads from another thread, and the
 * supplier of the changes it writes, which reads what the loop thread no longer changes.
 */
final class PipelinedStore implements PartitionStore {
  /**
   * The changes of a batch to write: built on the writer thread ({@link #changes}), and read by the
   * task loop's thread as they will be stored until they are.
   */
  interface Pending {
    /** @return the store batch to write; called once, on the writer thread */
    StoreBatch changes();

    /** @return the aggregate's state the batch writes, or null if it writes none */
    @Nullable Supplier<StoredAggregate> aggregate(StoreBatch.AggregateKey key);

    /** @return the command's first outcome the batch writes, or null if it writes none */
    @Nullable Supplier<OutcomeRecord> outcome(CommandKey commandId);

    OptionalLong nextEventsOffset();

    OptionalLong nextOutcomesOffset();
  }

  /** A store batch built before it is written, read as it is. */
  record Built(StoreBatch batch) implements Pending {
    @Override
    public StoreBatch changes() {
      return batch;
    }

    @Override
    public @Nullable Supplier<StoredAggregate> aggregate(StoreBatch.AggregateKey key) {
      return batch.aggregates().get(key);
    }

    @Override
    public @Nullable Supplier<OutcomeRecord> outcome(CommandKey commandId) {
      StoreBatch.PendingOutcome outcome = batch.outcome(commandId);
      return outcome == null ? null : outcome.outcome();
    }

    @Override
    public OptionalLong nextEventsOffset() {
      return batch.nextEventsOffset();
    }

    @Override
    public OptionalLong nextOutcomesOffset() {
      return batch.nextOutcomesOffset();
    }
  }

  /** The most writes and checkpoints of one partition queued on the writer at a time. */
  static final int MAX_QUEUED = 16;
  /** The timer of the task loop's waits for a full queue: while it waits, no command is decided. */
  static final String QUEUE_WAIT = "tributary.store.queue.wait";

  /** A write ({@code pending} set) or a checkpoint (null) queued on the writer, and its end. */
  private record Queued(@Nullable Pending pending, CompletableFuture<Void> done) {}

  private final PartitionStore store;
  private final Executor writer;
  /** How long applies waited for the oldest queued write or checkpoint, because {@link #MAX_QUEUED} were queued. */
  private final Timer queueFullWaits;
  /** Oldest first; read and changed by the loop thread only. */
  private final ArrayDeque<Queued> queued = new ArrayDeque<>();
  /** The failure of the first write that failed; set on the writer thread, which then refuses every later one. */
  private volatile @Nullable Throwable failed;

  /**
   * @param queueFullWaits records each wait of an {@link #apply} for a full queue: the task loop stops
   *     meanwhile (metric {@code tributary.store.queue.wait})
   */
  PipelinedStore(PartitionStore store, Executor writer, Timer queueFullWaits) {
    this.store = store;
    this.writer = writer;
    this.queueFullWaits = queueFullWaits;
  }

  @Override
  public int partition() {
    return store.partition();
  }

  @Override
  public Optional<StoredAggregate> aggregate(String aggregateType, String aggregateId) {
    if (!queued.isEmpty()) {
      StoreBatch.AggregateKey key = new StoreBatch.AggregateKey(aggregateType, aggregateId);
      Supplier<StoredAggregate> state = newest(pending -> pending.aggregate(key));
      if (state != null) {
        return Optional.of(state.get());
      }
    }
    return store.aggregate(aggregateType, aggregateId);
  }

  @Override
  public Optional<OutcomeRecord> outcome(CommandKey commandId) {
    if (!queued.isEmpty()) {
      Supplier<OutcomeRecord> outcome = newest(pending -> pending.outcome(commandId));
      if (outcome != null) {
        return Optional.of(outcome.get());
      }
    }
    return store.outcome(commandId);
  }

  @Override
  public long dedupeFilterBytes() {
    return store.dedupeFilterBytes();
  }

  @Override
  public long eventsOffset() {
    OptionalLong next = newest(pending -> pending.nextEventsOffset().isPresent() ? pending.nextEventsOffset() : null);
    return next != null ? next.getAsLong() : store.eventsOffset();
  }

  @Override
  public long outcomesOffset() {
    OptionalLong next =
        newest(pending -> pending.nextOutcomesOffset().isPresent() ? pending.nextOutcomesOffset() : null);
    return next != null ? next.getAsLong() : store.outcomesOffset();
  }

  /** @return what {@code read} finds in the newest queued batch where it finds anything, or null */
  private <T> @Nullable T newest(Function<Pending, @Nullable T> read) {
    for (Iterator<Queued> newestFirst = queued.descendingIterator(); newestFirst.hasNext(); ) {
      Pending pending = newestFirst.next().pending();
      T found = pending == null ? null : read.apply(pending);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** Queues {@code batch}'s write behind the others and returns; see {@link #apply(Pending)}. */
  @Override
  public void apply(StoreBatch batch) {
    if (batch.isEmpty()) {
      awaitWritten();
      return;
    }
    apply(new Built(batch));
  }

  /**
   * Queues the write of {@code pending}'s changes behind the writes and checkpoints queued before it,
   * and returns: a committed batch's changes are assembled and written off the task loop's thread.
   * Until they are written, reads are answered from {@code pending}. Waits only while {@link
   * #MAX_QUEUED} are queued.
   *
   * @throws RuntimeException the failure of an earlier write
   */
  void apply(Pending pending) {
    dropEnded();
    if (queued.size() >= MAX_QUEUED) {
      long started = System.nanoTime();
      while (queued.size() >= MAX_QUEUED) {
        awaitOldest();
      }
      queueFullWaits.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
    queued.addLast(new Queued(pending, CompletableFuture.runAsync(() -> write(pending), writer)));
  }

  /** On the writer thread. */
  private void write(Pending pending) {
    Throwable earlier = failed;
    if (earlier != null) {
      throw new IllegalStateException("Not written: an earlier write to the store of partition " + partition()
          + " failed: " + earlier + ". The task loop stops at its next write; after a restart, replay from the"
          + " Kafka log heals the store.", earlier);
    }
    try {
      store.apply(pending.changes());
    } catch (RuntimeException | Error e) {
      failed = e;
      throw e;
    }
  }

  /** Waits for every queued write, then writes the checkpoint on the calling thread. */
  @Override
  public void checkpoint(Path target) {
    awaitWritten();
    store.checkpoint(target);
  }

  /**
   * Queues a checkpoint behind the writes applied so far, and returns: it holds every one of them,
   * and is at the offsets {@link #eventsOffset} and {@link #outcomesOffset} answer now. The loop goes
   * on meanwhile; a later apply waits for it only once {@link #MAX_QUEUED} are queued.
   */
  @Override
  public CompletableFuture<Void> checkpointWhenWritten(Path target) {
    dropEnded();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      Throwable earlier = failed;
      if (earlier != null) {
        throw new PermanentException("No checkpoint of partition " + partition() + " was taken: a write to its"
            + " store failed before it (" + earlier + "). The task loop stops at its next write to the store;"
            + " after a restart, replay from the Kafka log heals the store.", earlier);
      }
      store.checkpoint(target);
    }, writer);
    queued.addLast(new Queued(null, done));
    return done;
  }

  /** Waits for every queued write and checkpoint, then closes the store, even when a write failed. */
  @Override
  public void close() {
    try {
      awaitWritten();
    } finally {
      store.close();
    }
  }

  /**
   * Waits until every queued write is in the store, and every queued checkpoint ended; throws the
   * failure of a write, if one failed. A checkpoint's failure goes to its caller's future only.
   */
  void awaitWritten() {
    while (!queued.isEmpty()) {
      awaitOldest();
    }
  }

  /** Waits for the oldest queued write or checkpoint to end, then drops what ended; see {@link #dropEnded}. */
  private void awaitOldest() {
    queued.getFirst().done().handle((written, failure) -> null).join();
    dropEnded();
  }

  /** Drops the writes and checkpoints that ended, oldest first; throws the first failed write's failure. */
  private void dropEnded() {
    while (!queued.isEmpty() && queued.getFirst().done().isDone()) {
      Queued ended = queued.removeFirst();
      if (ended.pending() != null && ended.done().isCompletedExceptionally()) {
        Futures.join(ended.done());
      }
    }
  }

  @Override
  public String toString() {
    return "PipelinedStore[" + store + "]";
  }
}
