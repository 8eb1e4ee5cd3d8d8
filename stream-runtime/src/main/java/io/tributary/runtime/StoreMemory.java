package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;

/**
 * The memory of each partition's RocksDB store. Native memory, beside the JVM's heap: an instance that owns
 * {@code n} partitions holds up to {@code n × (2 × memtableBytes + blockCacheBytes)} in memtables and
 * block caches, and the tables' index and bloom filter blocks beside them, which grow with the data.
 * With the defaults that is 48 MiB per partition; an instance of many partitions, or one in a small container,
 * sets smaller sizes. On the heap, each partition keeps a filter of its stored command ids, up to
 * {@code dedupeFilterBytes}, so that a new command's dedupe lookup rarely reaches RocksDB. Immutable;
 * change it with the {@code withX} copies. ADR 0004 says how the defaults were chosen.
 *
 * @param memtableBytes the size of a memtable (RocksDB's {@code write_buffer_size}), at least 64 KiB:
 *     a partition writes into one while at most one more is flushed to disk. Smaller memtables make
 *     each write cheaper and flushes more frequent
 * @param blockCacheBytes the partition's cache of table blocks (an LRU cache), 0 or more: it keeps
 *     the states and dedupe entries read again; 0 turns it off
 * @param dedupeFilterBytes the most heap the partition's filter of command ids takes, 0 or more: it
 *     grows with the stored ids, about 12 bits each (1.5 MiB per million), up to this bound (and
 *     twice that while a new one is built to replace it, as it may be once it filled up); beyond
 *     it, more new commands' lookups reach RocksDB. 0 turns it off: every lookup reaches RocksDB. At
 *     most {@link #MAX_DEDUPE_FILTER_BYTES}
 */
@Evolving
public record StoreMemory(long memtableBytes, long blockCacheBytes, long dedupeFilterBytes) {
  /** RocksDB's smallest memtable. */
  public static final long MIN_MEMTABLE_BYTES = 64L << 10;
  /** The default bound of a partition's filter of command ids: about 2.8 million ids. */
  public static final long DEFAULT_DEDUPE_FILTER_BYTES = 4L << 20;
  /** The largest filter of command ids: 1 GiB, about 700 million ids. */
  public static final long MAX_DEDUPE_FILTER_BYTES = 1L << 30;

  public StoreMemory {
    if (memtableBytes < MIN_MEMTABLE_BYTES) {
      throw new IllegalArgumentException("A memtable of " + memtableBytes + " bytes is below RocksDB's least, "
          + MIN_MEMTABLE_BYTES + " bytes (64 KiB); use 64 KiB or more, e.g. 8 MiB, the default.");
    }
    if (blockCacheBytes < 0) {
      throw new IllegalArgumentException("A block cache of " + blockCacheBytes + " bytes is negative; use 0 (no"
          + " cache) or more, e.g. 32 MiB, the default.");
    }
    if (dedupeFilterBytes < 0 || dedupeFilterBytes > MAX_DEDUPE_FILTER_BYTES) {
      throw new IllegalArgumentException("A dedupe filter of " + dedupeFilterBytes + " bytes is out of range; use 0"
          + " (no filter) to " + MAX_DEDUPE_FILTER_BYTES + " (1 GiB), e.g. 4 MiB, the default.");
    }
  }

  /** Memtables and a block cache of these sizes, and the default bound of the filter of command ids. */
  public StoreMemory(long memtableBytes, long blockCacheBytes) {
    this(memtableBytes, blockCacheBytes, DEFAULT_DEDUPE_FILTER_BYTES);
  }

  /**
   * @return memtables of 8 MiB, a block cache of 32 MiB and a filter of command ids of at most 4 MiB
   *     per partition
   */
  public static StoreMemory defaults() {
    return new StoreMemory(8L << 20, 32L << 20);
  }

  /** @return a copy with memtables of {@code memtableBytes} */
  public StoreMemory withMemtableBytes(long memtableBytes) {
    return new StoreMemory(memtableBytes, blockCacheBytes, dedupeFilterBytes);
  }

  /** @return a copy with a block cache of {@code blockCacheBytes} per partition */
  public StoreMemory withBlockCacheBytes(long blockCacheBytes) {
    return new StoreMemory(memtableBytes, blockCacheBytes, dedupeFilterBytes);
  }

  /** @return a copy whose filter of command ids takes at most {@code dedupeFilterBytes} per partition */
  public StoreMemory withDedupeFilterBytes(long dedupeFilterBytes) {
    return new StoreMemory(memtableBytes, blockCacheBytes, dedupeFilterBytes);
  }
}
