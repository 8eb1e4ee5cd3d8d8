package io.tributary.core.codec;

import io.tributary.core.annotation.Stable;

/**
 * Turns values of one type into bytes and back, under a stable type name. The type name, not the
 * Java class name, is what the log and savepoints record, so classes can be renamed or moved freely
 * while the name stays. Implementations are immutable and thread-safe.
 *
 * @param <T> the value type
 */
@Stable
public interface Codec<T> {
  /** @return the stable name recorded beside every encoded value, e.g. {@code tributary.sample.post.v1.PostEvent} */
  String typeName();

  /** @return the Java type of the decoded values */
  Class<T> valueType();

  /**
   * @return the bytes of {@code value}, in a new array the caller owns: the runtime keeps it without
   *     copying, so the codec must not change or reuse it afterwards; never fails for a value of
   *     {@link #valueType()}
   */
  byte[] encode(T value);

  /**
   * @return the value the bytes encode
   * @throws CodecException if the bytes are not a valid encoding of {@link #typeName()}; the message
   *     says how many bytes, which type and why, and the caller must not skip the record
   */
  T decode(byte[] bytes);
}
