package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Stores projected views together with the source position they reflect, so that every event is
 * applied effectively once even though events are delivered at least once.
 *
 * <p><b>Idempotency.</b> The sink holds one position per (projection, partition): the offset of
 * the last applied {@link SourcedUpdates}. {@link #apply} skips every entry whose offset is not
 * greater than the held position, as a whole, and applies the others; the held position then is
 * the offset of the last applied entry. A replayed batch therefore changes nothing, and a counter
 * is never incremented twice for the same event.
 *
 * <p><b>Restart.</b> {@link #position} reads the held position from the store, not from memory, so
 * a new sink instance over the same store (after a crash or a rebalance) reports what was applied;
 * a projection resumes consuming at {@code position + 1}.
 *
 * <p><b>Atomicity</b> is per implementation and stated there: Redis writes each batch and its
 * position in one script; Elasticsearch writes documents with external versions (the offset) and
 * then the position document, so a crash in between is healed by the replay the versions make
 * harmless.
 *
 * <p><b>Threading.</b> Implementations are thread-safe, but the contract assumes one writer per
 * (projection, partition) at a time: the thread that owns that partition. Two writers for the
 * same partition race on the position and are a bug of the caller (Kafka's group protocol gives
 * each partition to one owner).
 *
 * <p><b>Errors.</b> {@link io.tributary.core.error.TransientException}: the store cannot be
 * reached, timed out or pushes back (for example Elasticsearch 429); retry the same batch with a
 * bounded backoff, which is safe because of the position check. {@link
 * io.tributary.core.error.PermanentException}: a retry will not help (unsupported update kind,
 * mapping conflict, bad JSON, wrong value type under a key); stop the partition or park the event.
 */
@Evolving
public interface ViewSink extends AutoCloseable {

  /**
   * Applies the entries of {@code batch} that are newer than the position held for ({@code
   * projection}, {@code partition}), in order, and moves the held position to the last applied
   * offset. Entries at or below the held position are skipped as a whole.
   *
   * <p>Every update kind is checked against {@link #supports()} before anything is written.
   *
   * @param projection the projection's stable name; positions are kept per projection
   * @param partition the events partition every entry of {@code batch} comes from
   * @param batch entries of that partition in strictly increasing offset order; may be empty
   * @throws io.tributary.core.error.PermanentException if an update kind is not supported (naming
   *     the kind and the sinks that support it), if the batch mixes partitions or is out of order,
   *     or if the store rejects the data; nothing is retried
   * @throws io.tributary.core.error.TransientException if the store cannot be reached or pushes
   *     back; retry the same batch
   */
  void apply(String projection, int partition, List<SourcedUpdates> batch);

  /**
   * @return the offset of the last entry applied for ({@code projection}, {@code partition}), read
   *     from the store; empty if nothing was ever applied. A projection resumes after it.
   * @throws io.tributary.core.error.TransientException if the store cannot be reached
   */
  OptionalLong position(String projection, int partition);

  /** @return the {@link ViewUpdate} record classes this sink applies */
  Set<Class<? extends ViewUpdate>> supports();

  /**
   * Releases the connections this sink opened. Clients passed in by the caller stay open.
   *
   * @throws io.tributary.core.error.TransientException if closing a connection failed
   */
  @Override
  void close();
}
