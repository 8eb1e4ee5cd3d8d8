package io.tributary.runtime.internal;

import com.google.protobuf.Message;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The committed states of a partition's most recently used aggregates, decoded, so a command for an
 * aggregate decided a moment ago does not read and parse its state from RocksDB again. It holds only
 * what the partition's store holds or is writing (a state read from the store, or a batch's state
 * once its transaction committed), never a state of a batch still open or aborted; it lives and dies
 * with the partition's ownership. At most {@code capacity} entries, the least recently used go
 * first; a capacity of 0 keeps nothing. Used by the task loop's thread only.
 */
final class StateCache {
  /** A committed state and the aggregate's version after it. */
  record Cached(Message state, long version) {}

  private final int capacity;
  private final LinkedHashMap<AggregateKey, Cached> entries;
  private long hits;
  private long misses;

  StateCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("A state cache holds 0 or more entries; got " + capacity + ".");
    }
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<AggregateKey, Cached> eldest) {
        return size() > StateCache.this.capacity;
      }
    };
  }

  /** @return the cached committed state of {@code key}, or null; counts a hit or a miss */
  @Nullable Cached get(AggregateKey key) {
    Cached entry = capacity == 0 ? null : entries.get(key);
    if (entry == null) {
      misses++;
    } else {
      hits++;
    }
    return entry;
  }

  /** Keeps {@code state} as the committed state of {@code key} at {@code version}. */
  void put(AggregateKey key, Message state, long version) {
    if (capacity > 0) {
      entries.put(key, new Cached(state, version));
    }
  }

  int size() {
    return entries.size();
  }

  /** @return the lookups answered from the cache since the last call, and resets the count */
  long takeHits() {
    long taken = hits;
    hits = 0;
    return taken;
  }

  /** @return the lookups the cache could not answer since the last call, and resets the count */
  long takeMisses() {
    long taken = misses;
    misses = 0;
    return taken;
  }
}
