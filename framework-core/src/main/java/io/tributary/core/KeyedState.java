package io.tributary.core;

import io.tributary.core.annotation.Experimental;
import io.tributary.core.codec.Codec;
import java.util.Objects;
import java.util.Optional;

/**
 * The keyed state a stateful projection keeps beside its views, for facts it needs later that the
 * events do not repeat (the tribe a post belongs to when it is bumped, say).
 *
 * <p><b>Scope.</b> State is local to the events partition of the event being projected, which is
 * the partition of its aggregate. Keep per-aggregate facts under the aggregate id; totals across
 * aggregates belong in the sink (counters and score increments are applied once per event).
 *
 * <p><b>Durability.</b> The runner stores state in RocksDB with the partition's applied offset,
 * after the sink has applied the batch, and snapshots it like the command side's state. A replay
 * after a crash recomputes state from the log; the sink's positions keep views from moving twice.
 *
 * @param <S> the value type
 */
@Experimental
public interface KeyedState<S> {

  /** @return the value under {@code key}, or empty */
  Optional<S> get(String key);

  /** Sets the value under {@code key}; seen by later events of the same partition. */
  void put(String key, S value);

  /** Removes {@code key}; removing a missing key is not an error. */
  void remove(String key);

  /**
   * @return a view of {@code bytes} that encodes and decodes values with {@code codec}
   * @param <S> the value type
   */
  static <S> KeyedState<S> over(KeyedState<byte[]> bytes, Codec<S> codec) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(codec, "codec");
    return new KeyedState<>() {
      @Override
      public Optional<S> get(String key) {
        return bytes.get(key).map(codec::decode);
      }

      @Override
      public void put(String key, S value) {
        bytes.put(key, codec.encode(Objects.requireNonNull(value, "value")));
      }

      @Override
      public void remove(String key) {
        bytes.remove(key);
      }
    };
  }
}
