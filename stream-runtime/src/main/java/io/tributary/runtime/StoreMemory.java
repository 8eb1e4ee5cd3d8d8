package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;

/**
 * The native memory of each partition's RocksDB store, beside the JVM's heap: an instance that owns
 * {@code n} partitions holds up to {@code n × (2 × memtableBytes + blockCacheBytes)} in memtables and
 * block caches, and the tables' index and bloom filter blocks beside them, which grow with the data.
 * With the defaults that is 48 MiB per partition; an instance of many partitions, or one in a small container,
 * sets smaller sizes. Immutable; change it with the {@code withX} copies. ADR 0004 says how the
 * defaults were chosen.
 *
 * @param memtableBytes the size of a memtable (RocksDB's {@code write_buffer_size}), at least 64 KiB:
 *     a partition writes into one while at most one more is flushed to disk. Smaller memtables make
 *     each write cheaper and flushes more frequent
 * @param blockCacheBytes the partition's cache of table blocks (an LRU cache), 0 or more: it keeps
 *     the states and dedupe entries read again; 0 turns it off
 */
@Evolving
public record StoreMemory(long memtableBytes, long blockCacheBytes) {
  /** RocksDB's smallest memtable. */
  public static final long MIN_MEMTABLE_BYTES = 64L << 10;

  public StoreMemory {
    if (memtableBytes < MIN_MEMTABLE_BYTES) {
      throw new IllegalArgumentException("A memtable of " + memtableBytes + " bytes is below RocksDB's least, "
          + MIN_MEMTABLE_BYTES + " bytes (64 KiB); use 64 KiB or more, e.g. 8 MiB, the default.");
    }
    if (blockCacheBytes < 0) {
      throw new IllegalArgumentException("A block cache of " + blockCacheBytes + " bytes is negative; use 0 (no"
          + " cache) or more, e.g. 32 MiB, the default.");
    }
  }

  /** @return memtables of 8 MiB and a block cache of 32 MiB per partition */
  public static StoreMemory defaults() {
    return new StoreMemory(8L << 20, 32L << 20);
  }

  /** @return a copy with memtables of {@code memtableBytes} */
  public StoreMemory withMemtableBytes(long memtableBytes) {
    return new StoreMemory(memtableBytes, blockCacheBytes);
  }

  /** @return a copy with a block cache of {@code blockCacheBytes} per partition */
  public StoreMemory withBlockCacheBytes(long blockCacheBytes) {
    return new StoreMemory(memtableBytes, blockCacheBytes);
  }
}
