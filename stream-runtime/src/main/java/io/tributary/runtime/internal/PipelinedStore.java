package io.tributary.runtime.internal;

import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.Optional;
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
 * apply}, which RocksDB allows beside reads from another thread.
 */
final class PipelinedStore implements PartitionStore {
  private final PartitionStore store;
  private final Executor writer;
  private @Nullable StoreBatch writing;
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
    StoreBatch pending = writing;
    if (pending != null) {
      Supplier<StoredAggregate> state =
          pending.aggregates().get(new StoreBatch.AggregateKey(aggregateType, aggregateId));
      if (state != null) {
        return Optional.of(state.get());
      }
    }
    return store.aggregate(aggregateType, aggregateId);
  }

  @Override
  public Optional<OutcomeRecord> outcome(String commandId) {
    StoreBatch pending = writing;
    if (pending != null) {
      StoreBatch.PendingOutcome outcome = pending.outcomes().get(commandId);
      if (outcome != null) {
        return Optional.of(outcome.outcome().get());
      }
    }
    return store.outcome(commandId);
  }

  @Override
  public long eventsOffset() {
    StoreBatch pending = writing;
    return pending != null && pending.nextEventsOffset().isPresent()
        ? pending.nextEventsOffset().getAsLong() : store.eventsOffset();
  }

  @Override
  public long outcomesOffset() {
    StoreBatch pending = writing;
    return pending != null && pending.nextOutcomesOffset().isPresent()
        ? pending.nextOutcomesOffset().getAsLong() : store.outcomesOffset();
  }

  /** Waits for the previous batch's write, then starts writing {@code batch} and returns. */
  @Override
  public void apply(StoreBatch batch) {
    awaitWritten();
    if (batch.isEmpty()) {
      return;
    }
    writing = batch;
    written = CompletableFuture.runAsync(() -> store.apply(batch), writer);
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
