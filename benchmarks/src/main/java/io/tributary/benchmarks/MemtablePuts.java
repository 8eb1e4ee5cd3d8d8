package io.tributary.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * How long RocksDB takes to write a batch of random puts, by memtable size: the store writer's work
 * for a committed batch (two keys per command) with the partition stores' options ({@link
 * RocksPartitionStore#options}, ADR 0004).
 * Each size gets a fresh database in a temporary directory; the first {@value #WARMUP_BATCHES}
 * batches are not timed. Prints the median of each size's time per put over {@code
 * bench.memtable.rounds} rounds, the sizes interleaved in every round. Run it with {@code -cp
 * benchmarks/target/tributary-benchmarks.jar io.tributary.benchmarks.MemtablePuts} (see README.md).
 */
public final class MemtablePuts {
  private static final int WARMUP_BATCHES = 100;
  private static final int KEY_BYTES = 37;
  private static final int VALUE_BYTES = 60;

  private MemtablePuts() {}

  public static void main(String[] args) throws RocksDBException {
    RocksDB.loadLibrary();
    int batchPuts = Integer.getInteger("bench.memtable.batch-puts", 2_000);
    int batches = Integer.getInteger("bench.memtable.batches", 600);
    int rounds = Integer.getInteger("bench.memtable.rounds", 3);
    List<Long> sizesMiB = new ArrayList<>();
    for (String size : System.getProperty("bench.memtable.sizes-mib", "64,8").split(",")) {
      sizesMiB.add(Long.parseLong(size.strip()));
    }
    Progress.print("Memtable puts: %d batches of %d puts (%d-byte keys, %d-byte values) per size and round,"
        + " sizes %s MiB, %d rounds", batches, batchPuts, KEY_BYTES, VALUE_BYTES, sizesMiB, rounds);
    List<List<Double>> nanosPerPut = new ArrayList<>();
    sizesMiB.forEach(size -> nanosPerPut.add(new ArrayList<>()));
    Random random = new Random(20261124);
    for (int round = 1; round <= rounds; round++) {
      for (int i = 0; i < sizesMiB.size(); i++) {
        double nanos = timePuts(sizesMiB.get(i) << 20, batchPuts, batches, random);
        nanosPerPut.get(i).add(nanos);
        Progress.print("  round %d, memtable %d MiB: %.0f ns per put", round, sizesMiB.get(i), nanos);
      }
    }
    for (int i = 0; i < sizesMiB.size(); i++) {
      List<Double> sorted = nanosPerPut.get(i).stream().sorted().toList();
      Progress.print("memtable %4d MiB: median %s ns per put (runs: %s)", sizesMiB.get(i),
          String.format(Locale.ROOT, "%.0f", sorted.get(sorted.size() / 2)), nanosPerPut.get(i).stream()
              .map(nanos -> String.format(Locale.ROOT, "%.0f", nanos)).toList());
    }
  }

  /** @return the mean time of one put in {@code db.write}, over the timed batches */
  private static double timePuts(long writeBufferBytes, int batchPuts, int batches, Random random)
      throws RocksDBException {
    Path dir = TempDirs.create("bench-memtable-");
    StoreMemory memory = StoreMemory.defaults().withMemtableBytes(writeBufferBytes);
    try (Filter bloom = RocksPartitionStore.bloomFilter();
        LRUCache cache = new LRUCache(memory.blockCacheBytes());
        Options options = RocksPartitionStore.options(memory, bloom, cache);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions write = new WriteOptions()) {
      long nanos = 0;
      long puts = 0;
      for (int batch = 0; batch < batches; batch++) {
        try (WriteBatch writes = new WriteBatch()) {
          for (int put = 0; put < batchPuts; put++) {
            byte[] key = new byte[KEY_BYTES];
            random.nextBytes(key);
            byte[] value = new byte[VALUE_BYTES];
            random.nextBytes(value);
            writes.put(key, value);
          }
          long started = System.nanoTime();
          db.write(write, writes);
          if (batch >= WARMUP_BATCHES) {
            nanos += System.nanoTime() - started;
            puts += batchPuts;
          }
        }
      }
      return (double) nanos / puts;
    } finally {
      TempDirs.delete(dir);
    }
  }
}
