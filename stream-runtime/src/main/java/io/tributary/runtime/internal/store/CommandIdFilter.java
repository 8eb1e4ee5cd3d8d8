package io.tributary.runtime.internal.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A blocked bloom filter of command ids, on the heap: it answers "certainly not stored" for most new
 * ids without RocksDB (ADR 0004, "The filter of command ids"). Each id sets {@value #BITS_PER_ID} bits
 * in one block of 512 bits (one cache line), so a lookup reads one cache line. At {@value
 * #BITS_PER_SLOT} bits per id of its capacity, about 1 in 100 absent ids answers "maybe".
 *
 * <p>Adds are not thread-safe: one thread at a time adds (the store's writer, under its lock, or the
 * build of a filter not in use yet). Lookups may run beside them on another thread: a lookup sees an
 * add that happened before it (through whatever ordered the two threads), and of a word changed
 * meanwhile it reads the old or the new value, either right for the ids it did not change.
 */
final class CommandIdFilter {
  /** The bits the capacity gives each id. */
  static final int BITS_PER_SLOT = 12;
  /** The bits one id sets, within its block. */
  static final int BITS_PER_ID = 7;
  /** The least a filter takes, unless its bound is less: a young store's filter is not built again for every few ids. */
  static final long MIN_BYTES = 64 << 10;
  /** The most a filter takes, whatever its bound: 2^24 blocks, as many as a hash's top 24 bits tell apart. */
  static final long MAX_BYTES = 1L << 30;
  private static final int WORDS_PER_BLOCK = 8;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final long[] words;
  private final int blockMask;
  private final long capacity;
  private long added;

  private CommandIdFilter(int blocks) {
    this.words = new long[blocks * WORDS_PER_BLOCK];
    this.blockMask = blocks - 1;
    this.capacity = (long) blocks * WORDS_PER_BLOCK * Long.SIZE / BITS_PER_SLOT;
  }

  /**
   * @return an empty filter for about {@code ids} ids, of at most {@code maxBytes} and {@link
   *     #MAX_BYTES} (and at least
   *     {@link #MIN_BYTES}, or {@code maxBytes} if that is less, and one block of 64 bytes); its size
   *     is a power of two
   */
  static CommandIdFilter forIds(long ids, long maxBytes) {
    return new CommandIdFilter((int) (bytesFor(ids, maxBytes) / (WORDS_PER_BLOCK * Long.BYTES)));
  }

  /** @return the size of {@link #forIds}'s filter */
  static long bytesFor(long ids, long maxBytes) {
    long wantedBytes = Math.max(Math.max(1, ids) * BITS_PER_SLOT / Byte.SIZE, MIN_BYTES);
    long bound = Math.min(maxBytes, MAX_BYTES);
    long bytes = Long.highestOneBit(Math.max(64, Math.min(wantedBytes, bound)));
    if (bytes < wantedBytes && bytes * 2 <= bound) {
      bytes *= 2;
    }
    return bytes;
  }

  /**
   * @return the hash every method here takes, of a command id as a store key holds it: its UTF-8
   *     bytes from {@code from} to the end of {@code key}
   */
  static long hash(byte[] key, int from) {
    // eight bytes at a time, each word mixed in by a multiply and a rotation, then MurmurHash3's
    // finalizer to spread the bits
    long h = 0x9e3779b97f4a7c15L ^ (key.length - from);
    int at = from;
    for (; at + Long.BYTES <= key.length; at += Long.BYTES) {
      h = Long.rotateLeft(h ^ (long) LONGS.get(key, at) * 0x87c37b91114253d5L, 31) * 0x4cf5ad432745937fL;
    }
    long tail = 0;
    for (int shift = 0; at < key.length; at++, shift += Byte.SIZE) {
      tail |= (key[at] & 0xffL) << shift;
    }
    h = Long.rotateLeft(h ^ tail * 0x87c37b91114253d5L, 31) * 0x4cf5ad432745937fL;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  void add(long hash) {
    int base = block(hash);
    long bits = inBlock(hash);
    for (int i = 0; i < BITS_PER_ID; i++) {
      int bit = (int) bits & 511;
      words[base + (bit >>> 6)] |= 1L << bit;
      bits >>>= 9;
    }
    added++;
  }

  /** @return false if no id of this hash was added; true if one may have been */
  boolean mightContain(long hash) {
    int base = block(hash);
    long bits = inBlock(hash);
    for (int i = 0; i < BITS_PER_ID; i++) {
      int bit = (int) bits & 511;
      if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
        return false;
      }
      bits >>>= 9;
    }
    return true;
  }

  /** @return how many ids were added, with repeats */
  long added() {
    return added;
  }

  /** @return how many ids this filter holds at about 1 in 100 false answers */
  long capacity() {
    return capacity;
  }

  long bytes() {
    return (long) words.length * Long.BYTES;
  }

  /** @return the first word of the hash's block, from the hash's top 24 bits */
  private int block(long hash) {
    return ((int) (hash >>> 40) & blockMask) * WORDS_PER_BLOCK;
  }

  /** @return the bits within the block, 9 bits each from the low end: the hash mixed again, apart from its block */
  private static long inBlock(long hash) {
    return hash * 0x9e3779b97f4a7c15L;
  }
}
