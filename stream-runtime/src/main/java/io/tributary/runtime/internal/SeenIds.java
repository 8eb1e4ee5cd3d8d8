package io.tributary.runtime.internal;

import java.util.Arrays;

/**
 * The command ids a batch decided, as two bits of each id's hash ({@code CommandKey#hash}): it answers
 * "not in this batch" for most ids without a lookup in the batch's map of outcomes, which is large and
 * mostly not in the processor's caches. A dedupe lookup asks the open batch, the batch in flight and
 * every batch queued for the store, and almost every id is new to all of them. With at least 16 bits
 * per id, about 1 in 70 absent ids answers "maybe". It keeps the hashes too, to spread them over more
 * bits as it grows. Used by the task loop's thread only; a batch's ids do not change once it is decided.
 */
final class SeenIds {
  private static final int BITS_PER_ID = 16;
  private long[] words;
  private long[] hashes;
  private int count;

  /** @param expectedIds how many ids to size the bits for; they grow past it */
  SeenIds(int expectedIds) {
    int ids = Math.max(1, expectedIds);
    this.hashes = new long[ids];
    this.words = new long[wordsFor(ids)];
  }

  void add(long hash) {
    if (count == hashes.length) {
      hashes = Arrays.copyOf(hashes, 2 * count);
    }
    hashes[count++] = hash;
    if ((long) count * BITS_PER_ID > (long) words.length * Long.SIZE) {
      words = new long[wordsFor(hashes.length)];
      for (int i = 0; i < count; i++) {
        set(hashes[i]);
      }
    } else {
      set(hash);
    }
  }

  /** @return false if no id of this hash was added; true if one may have been */
  boolean mightContain(long hash) {
    int mask = words.length * Long.SIZE - 1;
    int first = (int) hash & mask;
    int second = (int) (hash >>> 32) & mask;
    return (words[first >>> 6] & (1L << first)) != 0 && (words[second >>> 6] & (1L << second)) != 0;
  }

  private void set(long hash) {
    int mask = words.length * Long.SIZE - 1;
    int first = (int) hash & mask;
    int second = (int) (hash >>> 32) & mask;
    words[first >>> 6] |= 1L << first;
    words[second >>> 6] |= 1L << second;
  }

  /** @return a power of two of words: at least {@link #BITS_PER_ID} bits for each of {@code ids}, and one word */
  private static int wordsFor(int ids) {
    long bits = Math.max(Long.SIZE, (long) ids * BITS_PER_ID);
    return (int) (Long.highestOneBit(bits - 1) * 2 / Long.SIZE);
  }
}
