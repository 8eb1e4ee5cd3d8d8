package io.tributary.runtime.internal;

import com.google.protobuf.Message;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.HashMap;
import org.jspecify.annotations.Nullable;

/**
 * The committed states of a partition's most recently used aggregates, decoded, so a command for an
 * aggregate decided a moment ago does not read and parse its state from RocksDB again. It holds only
 * what the partition's store holds or is writing (a state read from the store, or a batch's state
 * once its transaction committed), never a state of a batch still open or aborted; it lives and dies
 * with the partition's ownership. Once the entries weigh more than {@code capacityBytes} ({@link
 * #weight}) the eldest go first, except that one used since it was kept or last passed over is kept
 * again as the newest (a second chance: the CLOCK policy, close to least recently used, for the cost
 * of a flag per hit, where an access-ordered map relinked the entry on every hit); a capacity of 0
 * keeps nothing. A batch keeps the entry it read a state from, and its commit changes that entry in
 * place ({@link #update}), so a committed state costs no second lookup. Used by the task loop's
 * thread only, but for {@link #bytes}, which a metric reads.
 */
final class StateCache {
  /**
   * What an entry costs on the heap beside its state's encoding and its aggregate id: the map's entry
   * and table slot, its place in the eviction order, the key and its id string, the entry, and a
   * decoded message's own fields.
   */
  static final int ENTRY_OVERHEAD_BYTES = 176;

  /**
   * An entry as the cache holds it. A batch that read an aggregate's state from the cache keeps its
   * entry, and once the batch committed, {@link #update} changes the entry in place instead of
   * looking the aggregate up again. An entry the cache dropped since is no longer {@code live}.
   */
  static final class Entry {
    private final AggregateKey key;
    private Message state;
    private long version;
    private long weight;
    private boolean live = true;
    /** Whether it was used since it was kept or last passed over by an eviction. */
    private boolean used;

    private Entry(AggregateKey key, Message state, long version, long weight) {
      this.key = key;
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

  private static final VarHandle BYTES;

  static {
    try {
      BYTES = MethodHandles.lookup().findVarHandle(StateCache.class, "bytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long capacityBytes;
  private final HashMap<AggregateKey, Entry> entries = new HashMap<>();
  /**
   * The entries in the order kept, eldest first, and entries dropped since (not live), which an
   * eviction passes over and {@link #keep} clears out once they are as many as the entries.
   */
  private final ArrayDeque<Entry> order = new ArrayDeque<>();
  /**
   * Written by the task loop's thread, with opaque writes so that a metric reads it whole from another
   * thread ({@link #bytes}); a volatile write on every put cost the loop a fence per committed state.
   */
  private long bytes;
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
   * @return the entry of {@code key}, or null; counts a hit or a miss, and marks the entry used, so
   *     the next eviction that reaches it keeps it again
   */
  @Nullable Entry entry(AggregateKey key) {
    Entry entry = capacityBytes == 0 ? null : entries.get(key);
    if (entry == null) {
      misses++;
    } else {
      hits++;
      entry.used = true;
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
    Entry entry = new Entry(key, state, version, weight);
    Entry replaced = entries.put(key, entry);
    if (replaced != null) {
      replaced.live = false;
    }
    keep(entry);
    addBytes(weight - (replaced == null ? 0 : replaced.weight));
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
    addBytes(weight - entry.weight);
    entry.used = true;
    entry.state = state;
    entry.version = version;
    entry.weight = weight;
    evictToCapacity();
  }

  private void addBytes(long delta) {
    BYTES.setOpaque(this, bytes + delta);
  }

  private void drop(@Nullable Entry removed) {
    if (removed != null) {
      removed.live = false;
      addBytes(-removed.weight);
    }
  }

  /** Adds {@code entry} as the newest, and clears out the dropped entries once they are as many as the live ones. */
  private void keep(Entry entry) {
    order.addLast(entry);
    if (order.size() > 2 * entries.size() + 64) {
      order.removeIf(kept -> !kept.live);
    }
  }

  private void evictToCapacity() {
    // ends: an entry passed over is no longer marked used, so the second pass evicts it
    while (bytes > capacityBytes && !order.isEmpty()) {
      Entry eldest = order.removeFirst();
      if (!eldest.live) {
        continue;
      }
      if (eldest.used) {
        eldest.used = false;
        order.addLast(eldest);
      } else {
        entries.remove(eldest.key);
        drop(eldest);
      }
    }
  }

  int size() {
    return entries.size();
  }

  /** @return how many places the eviction order holds, dropped entries included: for tests of its bound */
  int orderLength() {
    return order.size();
  }

  /** @return what the entries weigh together ({@link #weight}), at most the capacity */
  long bytes() {
    return (long) BYTES.getOpaque(this);
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
