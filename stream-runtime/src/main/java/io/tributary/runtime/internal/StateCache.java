package io.tributary.runtime.internal;

import com.google.protobuf.Message;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import java.util.Iterator;
import java.util.LinkedHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The committed states of a partition's most recently used aggregates, decoded, so a command for an
 * aggregate decided a moment ago does not read and parse its state from RocksDB again. It holds only
 * what the partition's store holds or is writing (a state read from the store, or a batch's state
 * once its transaction committed), never a state of a batch still open or aborted; it lives and dies
 * with the partition's ownership. The least recently used entries go first once the entries weigh
 * more than {@code capacityBytes} ({@link #weight}); a capacity of 0 keeps nothing. A batch keeps
 * the entry it read a state from, and its commit changes that entry in place ({@link #update}), so a
 * committed state costs no second lookup. Used by the task loop's thread only.
 */
final class StateCache {
  /**
   * What an entry costs on the heap beside its state's encoding and its aggregate id: the map's entry
   * and table slot, the key and its id string, the cached pair, and a decoded message's own fields.
   */
  static final int ENTRY_OVERHEAD_BYTES = 176;

  /**
   * An entry as the cache holds it. A batch that read an aggregate's state from the cache keeps its
   * entry, and once the batch committed, {@link #update} changes the entry in place instead of
   * looking the aggregate up again. An entry the cache dropped since is no longer {@code live}.
   */
  static final class Entry {
    private Message state;
    private long version;
    private long weight;
    private boolean live = true;

    private Entry(Message state, long version, long weight) {
      this.state = state;
      this.version = version;
      this.weight = weight;
    }

    Message state() {
      return state;
    }

    long version() {
      return version;
    }
  }

  private final long capacityBytes;
  private final LinkedHashMap<AggregateKey, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  /** Written by the task loop's thread; volatile so that a metric may read it from another. */
  private volatile long bytes;
  private long hits;
  private long misses;

  StateCache(long capacityBytes) {
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("A state cache holds 0 bytes or more; got " + capacityBytes + ".");
    }
    this.capacityBytes = capacityBytes;
  }

  /**
   * @return what an entry counts against the capacity: its state's encoded size (which protobuf
   *     keeps once computed, and the store's writer encodes it to that size anyway), its aggregate id's
   *     length in characters and {@link #ENTRY_OVERHEAD_BYTES}. An estimate of its heap: states with
   *     many strings or nested messages take more decoded than encoded, and an id with characters
   *     beyond Latin-1 takes two bytes a character.
   */
  static long weight(AggregateKey key, Message state) {
    return ENTRY_OVERHEAD_BYTES + key.aggregateId().length() + state.getSerializedSize();
  }

  /**
   * @return the entry of {@code key}, or null; counts a hit or a miss, and makes the entry the most
   *     recently used
   */
  @Nullable Entry entry(AggregateKey key) {
    Entry entry = capacityBytes == 0 ? null : entries.get(key);
    if (entry == null) {
      misses++;
    } else {
      hits++;
    }
    return entry;
  }

  /**
   * Keeps {@code state} as the committed state of {@code key} at {@code version}, and drops the least
   * recently used entries until the cache fits its capacity again. A state that alone weighs more
   * than the capacity is not kept (nor is the key's older state), and the others stay.
   *
   * @return the entry now held for {@code key}, or null if none is
   */
  @Nullable Entry put(AggregateKey key, Message state, long version) {
    if (capacityBytes == 0) {
      return null;
    }
    long weight = weight(key, state);
    if (weight > capacityBytes) {
      drop(entries.remove(key));
      return null;
    }
    Entry entry = new Entry(state, version, weight);
    Entry replaced = entries.put(key, entry);
    if (replaced != null) {
      replaced.live = false;
    }
    bytes += weight - (replaced == null ? 0 : replaced.weight);
    evictToCapacity();
    return entry.live ? entry : null;
  }

  /**
   * Makes {@code state} at {@code version} the committed state of {@code key}, whose entry {@code
   * entry} was: in place if the cache still holds that entry, without looking {@code key} up; else
   * as {@link #put} does.
   */
  void update(Entry entry, AggregateKey key, Message state, long version) {
    if (!entry.live) {
      put(key, state, version);
      return;
    }
    long weight = weight(key, state);
    if (weight > capacityBytes) {
      drop(entries.remove(key));
      return;
    }
    bytes += weight - entry.weight;
    entry.state = state;
    entry.version = version;
    entry.weight = weight;
    evictToCapacity();
  }

  private void drop(@Nullable Entry removed) {
    if (removed != null) {
      removed.live = false;
      bytes -= removed.weight;
    }
  }

  private void evictToCapacity() {
    if (bytes > capacityBytes) {
      Iterator<Entry> eldestFirst = entries.values().iterator();
      while (bytes > capacityBytes && eldestFirst.hasNext()) {
        Entry eldest = eldestFirst.next();
        eldestFirst.remove();
        drop(eldest);
      }
    }
  }

  int size() {
    return entries.size();
  }

  /** @return what the entries weigh together ({@link #weight}), at most the capacity */
  long bytes() {
    return bytes;
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
