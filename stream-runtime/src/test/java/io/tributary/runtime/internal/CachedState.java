package io.tributary.runtime.internal;

import com.google.protobuf.Message;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import org.jspecify.annotations.Nullable;

/** A state cache entry's state and version, compared by value in the tests' assertions. */
record CachedState(Message state, long version) {
  /** @return what {@code cache} holds for {@code key}, or null; counts a hit or a miss, as a lookup does */
  static @Nullable CachedState of(StateCache cache, AggregateKey key) {
    StateCache.Entry entry = cache.entry(key);
    return entry == null ? null : new CachedState(entry.state(), entry.version());
  }
}
