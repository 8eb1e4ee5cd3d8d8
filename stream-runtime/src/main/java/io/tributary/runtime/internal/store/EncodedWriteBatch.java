package io.tributary.runtime.internal.store;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.util.Arrays;
import org.rocksdb.WriteBatch;

/**
 * A RocksDB write batch of the default column family, encoded on the heap and handed to RocksDB whole:
 * one JNI call for the batch, where {@link WriteBatch#put} makes a JNI call and copies its key and
 * value for each entry (ADR 0004, "One write batch, encoded on the heap"). Values that
 * are protobuf messages are encoded straight into the batch.
 *
 * <p>The encoding is RocksDB's own write batch format, which its write-ahead log holds too: an 8-byte
 * sequence number (0 here; RocksDB sets it) and a 4-byte entry count, both little-endian, then each
 * entry as its type byte ({@code 0x1} a value, {@code 0x0} a deletion), the key's length as a
 * varint32 and its bytes, and for a value the value's length as a varint32 and its bytes. RocksDB
 * writes a batch to its write-ahead log before it parses the entries into the memtable, so an
 * encoding error would stop the store, not just the batch: {@code EncodedWriteBatchTest} checks the
 * encoding byte for byte against RocksDB's own. Not thread-safe.
 */
final class EncodedWriteBatch {
  private static final byte TYPE_DELETION = 0x0;
  private static final byte TYPE_VALUE = 0x1;
  private static final int HEADER_BYTES = 12;

  private byte[] bytes;
  private int size = HEADER_BYTES;
  private int count;

  /** @param expectedBytes about how many bytes the entries take; the batch grows past it as needed */
  EncodedWriteBatch(int expectedBytes) {
    this.bytes = new byte[HEADER_BYTES + Math.max(64, expectedBytes)];
  }

  EncodedWriteBatch put(byte[] key, byte[] value) {
    startEntry(TYPE_VALUE, key, 5 + value.length);
    writeVarint(value.length);
    System.arraycopy(value, 0, bytes, size, value.length);
    size += value.length;
    return this;
  }

  /** Puts {@code value}'s protobuf encoding under {@code key}, encoded in place. */
  EncodedWriteBatch put(byte[] key, MessageLite value) {
    int length = value.getSerializedSize();
    startEntry(TYPE_VALUE, key, 5 + length);
    writeVarint(length);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes, size, length);
      value.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException | IllegalStateException e) {
      // an array of the message's own size: only a message changed while it is encoded gets here
      throw new IllegalStateException("A " + value.getClass().getSimpleName() + " did not encode to the "
          + length + " bytes it reported; it was changed while it was written. Nothing of the batch is written.", e);
    }
    size += length;
    return this;
  }

  EncodedWriteBatch delete(byte[] key) {
    startEntry(TYPE_DELETION, key, 0);
    return this;
  }

  /** @return how many entries were added */
  int count() {
    return count;
  }

  /** @return a RocksDB write batch of these entries; the caller closes it */
  WriteBatch toWriteBatch() {
    // the count, little-endian, after the sequence number RocksDB sets when it writes the batch
    bytes[8] = (byte) count;
    bytes[9] = (byte) (count >>> 8);
    bytes[10] = (byte) (count >>> 16);
    bytes[11] = (byte) (count >>> 24);
    return new WriteBatch(size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
  }

  /** Writes an entry's type and key, with room for {@code more} bytes after them. */
  private void startEntry(byte type, byte[] key, int more) {
    ensureRoom(1 + 5 + key.length + more);
    bytes[size++] = type;
    writeVarint(key.length);
    System.arraycopy(key, 0, bytes, size, key.length);
    size += key.length;
    count++;
  }

  private void writeVarint(int value) {
    int rest = value;
    while ((rest & ~0x7f) != 0) {
      bytes[size++] = (byte) ((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    bytes[size++] = (byte) rest;
  }

  private void ensureRoom(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(size + more, 2 * bytes.length));
    }
  }
}
