package io.tributary.runtime.internal.store;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The keys and offset values of {@link RocksPartitionStore}; the layout is documented there. Every
 * method returns a new array, so nothing here is shared or mutable.
 */
final class StoreKeys {
  static final byte AGGREGATE = 'a';
  static final byte OUTCOME = 'o';
  static final byte META = 'm';
  static final byte EXPIRY = 'x';
  static final String EVENTS_OFFSET = "events-offset";
  static final String OUTCOMES_OFFSET = "outcomes-offset";

  private StoreKeys() {}

  /** {@code 'a' aggregateType 0x00 aggregateId}, both UTF-8. */
  static byte[] aggregate(String aggregateType, String aggregateId) {
    if (aggregateType.isEmpty() || aggregateType.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "Aggregate type '" + aggregateType.replace("\0", "\\0") + "' (id '" + aggregateId
              + "') cannot be stored: it must be non-empty and must not contain the NUL character,"
              + " which separates type from id in the store's keys. Rename the aggregate type.");
    }
    byte[] type = aggregateType.getBytes(StandardCharsets.UTF_8);
    byte[] id = aggregateId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + type.length + 1 + id.length)
        .put(AGGREGATE).put(type).put((byte) 0).put(id).array();
  }

  /** {@code 'o' commandId}, UTF-8. */
  static byte[] outcome(String commandId) {
    return prefixed(OUTCOME, commandId);
  }

  /** {@code 'o' commandId}, from the id's UTF-8 bytes. */
  static byte[] outcome(ByteString commandIdUtf8) {
    byte[] key = new byte[1 + commandIdUtf8.size()];
    key[0] = OUTCOME;
    commandIdUtf8.copyTo(key, 1);
    return key;
  }

  /**
   * {@code 'x' decidedAtMillis tieBreaker}: both 8 bytes big-endian; a random tie-breaker keeps two
   * batches of the same millisecond (a replay's chunks of events and of outcomes) apart.
   */
  static byte[] expiry(long decidedAtMillis, long tieBreaker) {
    return ByteBuffer.allocate(1 + 2 * Long.BYTES).put(EXPIRY).putLong(decidedAtMillis).putLong(tieBreaker).array();
  }

  /**
   * @return {@code 'x' time}: every expiry key of a command decided before {@code time} sorts below
   *     it (times are not negative, so big-endian bytes sort as the numbers do)
   */
  static byte[] expiryBound(long time) {
    return ByteBuffer.allocate(1 + Long.BYTES).put(EXPIRY).putLong(Math.max(0, time)).array();
  }

  /** @return the decision time an {@link #expiry} key holds */
  static long expiryTime(byte[] expiryKey) {
    return ByteBuffer.wrap(expiryKey, 1, Long.BYTES).getLong();
  }

  /** {@code 'm' name}, UTF-8. */
  static byte[] meta(String name) {
    return prefixed(META, name);
  }

  static byte[] encodeOffset(long offset) {
    return ByteBuffer.allocate(Long.BYTES).putLong(offset).array();
  }

  /**
   * @throws IllegalStateException if {@code value} is not 8 bytes; the caller names the store
   */
  static long decodeOffset(byte[] value) {
    if (value.length != Long.BYTES) {
      throw new IllegalStateException("an offset is 8 bytes, this value has " + value.length);
    }
    return ByteBuffer.wrap(value).getLong();
  }

  private static byte[] prefixed(byte prefix, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[1 + bytes.length];
    key[0] = prefix;
    System.arraycopy(bytes, 0, key, 1, bytes.length);
    return key;
  }
}
