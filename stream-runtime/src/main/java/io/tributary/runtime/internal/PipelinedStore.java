package io.tributary.runtime.internal;

import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A partition store whose writes run on a writer thread, so the task loop polls and decides the next
 * batch while the last one is written to RocksDB. At most one batch per partition is being written:
 * {@link #apply} waits for the previous one first. Until a batch is written, reads see it here: an
 * aggregate or outcome it holds is answered from the batch, its offsets are the store's offsets. A
 * checkpoint or close waits for the write. Dedupe entries the batch expires stay readable until it
 * is written: an entry may outlive its retention by a batch, never fall short of it. A failed write
 * is thrown by the next call that waits for it (the next apply, checkpoint or close); the Kafka log
 * holds the batch, so replay heals the store.
 *
 * <p>Used by the task loop thread only; the writer thread touches only the wrapped store's {@code
 * apply}, which RocksDB allows beside reads from another thread, and the supplier of the changes it
 * writes, which reads what the loop thread no longer changes.
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
    @Nullable Supplier<OutcomeRecord> outcome(String commandId);

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
    public @Nullable Supplier<OutcomeRecord> outcome(String commandId) {
      StoreBatch.PendingOutcome outcome = batch.outcomes().get(commandId);
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

  private final PartitionStore store;
  private final Executor writer;
  private @Nullable Pending writing;
  private @Nullable CompletableFuture<Void> written;

  PipelinedStore(PartitionStore store, Executor writer) {
    this.store = store;
    this.writer = writer;
  }

  @Override
  public int partition() {
    return store.partition();
  }

  @Override
  public Optional<StoredAggregate> aggregate(String aggregateType, String aggregateId) {
    Pending pending = writing;
    if (pending != null) {
      Supplier<StoredAggregate> state = pending.aggregate(new StoreBatch.AggregateKey(aggregateType, aggregateId));
      if (state != null) {
        return Optional.of(state.get());
      }
    }
    return store.aggregate(aggregateType, aggregateId);
  }

  @Override
  public Optional<OutcomeRecord> outcome(String commandId) {
    Pending pending = writing;
    if (pending != null) {
      Supplier<OutcomeRecord> outcome = pending.outcome(commandId);
      if (outcome != null) {
        return Optional.of(outcome.get());
      }
    }
    return store.outcome(commandId);
  }

  @Override
  public long eventsOffset() {
    Pending pending = writing;
    return pending != null && pending.nextEventsOffset().isPresent()
        ? pending.nextEventsOffset().getAsLong() : store.eventsOffset();
  }

  @Override
  public long outcomesOffset() {
    Pending pending = writing;
    return pending != null && pending.nextOutcomesOffset().isPresent()
        ? pending.nextOutcomesOffset().getAsLong() : store.outcomesOffset();
  }

  /** Waits for the previous batch's write, then starts writing {@code batch} and returns. */
  @Override
  public void apply(StoreBatch batch) {
    if (batch.isEmpty()) {
      awaitWritten();
      return;
    }
    apply(new Built(batch));
  }

  /**
   * Waits for the previous batch's write, then starts building {@code pending}'s changes and writing
   * them on the writer thread, and returns: a committed batch's changes are assembled off the task
   * loop's thread. Until they are written, reads are answered from {@code pending}.
   */
  void apply(Pending pending) {
    awaitWritten();
    writing = pending;
    written = CompletableFuture.runAsync(() -> store.apply(pending.changes()), writer);
  }

  @Override
  public void checkpoint(Path target) {
    awaitWritten();
    store.checkpoint(target);
  }

  /** Waits for the write under way, then closes the store, even when the write failed. */
  @Override
  public void close() {
    try {
      awaitWritten();
    } finally {
      store.close();
    }
  }

  /** Waits until the batch being written is in the store; throws its failure, if it failed. */
  void awaitWritten() {
    CompletableFuture<Void> pending = written;
    if (pending == null) {
      return;
    }
    written = null;
    writing = null;
    Futures.join(pending);
  }

  @Override
  public String toString() {
    return "PipelinedStore[" + store + "]";
  }
}
