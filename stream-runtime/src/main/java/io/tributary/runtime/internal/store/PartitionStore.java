package io.tributary.runtime.internal.store;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The local state of one partition: each aggregate's state and version, the outcome of every command
 * id seen (for dedupe), and the offsets of {@code events[p]} and {@code outcomes[p]} up to which they
 * are applied. Written only after the Kafka transaction that produced the changes committed; after a
 * crash, replay from the applied offsets heals it. Used by one thread at a time.
 */
public interface PartitionStore extends AutoCloseable {
  /** @return the Kafka partition this store holds */
  int partition();

  /** @return the stored state of the aggregate, if it has any events */
  Optional<StoredAggregate> aggregate(String aggregateType, String aggregateId);

  /** @return the first outcome of the command id, if it was seen */
  default Optional<OutcomeRecord> outcome(String commandId) {
    return outcome(CommandKey.of(commandId));
  }

  /** @return the first outcome of the command id, if it was seen */
  Optional<OutcomeRecord> outcome(CommandKey commandId);

  /**
   * @return the heap the store's filter of command ids takes, 0 if it keeps none (or none yet); may
   *     be called from any thread
   */
  default long dedupeFilterBytes() {
    return 0;
  }

  /** @return the next offset of {@code events[p]} to replay; 0 for a new store */
  long eventsOffset();

  /** @return the next offset of {@code outcomes[p]} to replay; 0 for a new store */
  long outcomesOffset();

  /** Applies every change of {@code batch} atomically (one RocksDB write batch). */
  void apply(StoreBatch batch);

  /**
   * Writes a consistent RocksDB checkpoint (hard links where possible) into {@code target}, which
   * must not exist yet.
   */
  void checkpoint(Path target);

  /**
   * Writes a checkpoint as {@link #checkpoint} does, holding every change applied so far, possibly
   * after this returns; {@link #close} waits for it. This store writes it at once.
   *
   * @return completes once the checkpoint is written, or with the reason it is not
   */
  default CompletableFuture<Void> checkpointWhenWritten(Path target) {
    try {
      checkpoint(target);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Flushes and closes RocksDB. Idempotent. */
  @Override
  void close();

  /**
   * Closes the store on the way out of {@code failure}, so it does not stay open and locked; a
   * failure to close is added to {@code failure} as suppressed, which the caller goes on to throw.
   */
  default void closeAfter(Throwable failure) {
    try {
      close();
    } catch (RuntimeException closeFailed) {
      failure.addSuppressed(closeFailed);
    }
  }
}
