package io.tributary.projection.internal;

import com.google.protobuf.ByteString;
import io.tributary.core.KeyedState;
import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The keyed state of a stateful projection in one partition, over the command side's RocksDB
 * {@link PartitionStore}. A value is stored as an "aggregate" of type {@value #STATE_TYPE} keyed by
 * the state key ({@link StoredAggregate#getState()} holds the value's bytes, version 1); a removed
 * key is kept as version 0 with no bytes, since the store's batches only put. The store's events
 * offset is the next offset of the events partition the state does not reflect yet.
 *
 * <p>Reads see, in order: the current event's writes, the writes of the earlier events of the
 * batch, then the store. {@link #commitEvent()} keeps an event's writes for the batch, {@link
 * #discardEvent()} drops them (the handler failed); {@link #write} puts the batch's writes and
 * the next offset into the store in one RocksDB write batch, after the sink applied the batch.
 *
 * <p>Not thread-safe: used by the runner's one thread. Owns the store.
 */
public final class PartitionState implements AutoCloseable {
  /** The aggregate type the state's values are stored under. */
  static final String STATE_TYPE = "projection-state";
  private static final long PRESENT = 1;
  private static final long REMOVED = 0;

  private final PartitionStore store;
  private final Map<String, Optional<byte[]>> batch = new HashMap<>();
  private final Map<String, Optional<byte[]>> event = new HashMap<>();
  private final KeyedState<byte[]> view = new KeyedState<>() {
    @Override
    public Optional<byte[]> get(String key) {
      Objects.requireNonNull(key, "key");
      Optional<byte[]> pending = event.get(key);
      if (pending == null) {
        pending = batch.get(key);
      }
      if (pending != null) {
        return pending;
      }
      return store.aggregate(STATE_TYPE, key)
          .filter(stored -> stored.getVersion() == PRESENT)
          .map(stored -> stored.getState().toByteArray());
    }

    @Override
    public void put(String key, byte[] value) {
      event.put(Objects.requireNonNull(key, "key"), Optional.of(value.clone()));
    }

    @Override
    public void remove(String key) {
      event.put(Objects.requireNonNull(key, "key"), Optional.empty());
    }
  };

  public PartitionState(PartitionStore store) {
    this.store = store;
  }

  /** @return the state the next event is projected with; its writes are kept by {@link #commitEvent()} */
  public KeyedState<byte[]> forEvent() {
    event.clear();
    return view;
  }

  /** Keeps the current event's writes for the batch. */
  public void commitEvent() {
    batch.putAll(event);
    event.clear();
  }

  /** Drops the current event's writes: the event was not projected. */
  public void discardEvent() {
    event.clear();
  }

  /** Drops every write of the batch: the sink did not apply it, and a replay recomputes it. */
  public void discardBatch() {
    event.clear();
    batch.clear();
  }

  /**
   * Writes the batch's state and {@code nextOffset} atomically, then starts a new batch.
   *
   * @param nextOffset the offset after the last event the sink applied
   * @throws io.tributary.core.error.PermanentException if RocksDB fails the write; nothing was written
   */
  public void write(long nextOffset) {
    StoreBatch writes = new StoreBatch();
    batch.forEach((key, value) -> writes.putAggregate(STATE_TYPE, key, value
        .map(bytes -> StoredAggregate.newBuilder().setVersion(PRESENT).setState(ByteString.copyFrom(bytes)).build())
        .orElse(StoredAggregate.newBuilder().setVersion(REMOVED).build())));
    writes.eventsOffset(nextOffset);
    store.apply(writes);
    batch.clear();
  }

  /** @return the next offset of the events partition the stored state does not reflect; 0 for a new store */
  public long nextOffset() {
    return store.eventsOffset();
  }

  /** @return the store, for snapshots */
  public PartitionStore store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
  }
}
