package io.tributary.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * How long RocksDB takes to write a batch of dedupe entries, by memtable size and by the kind of
 * command ids: the store writer's work for a committed batch, with the partition stores' options
 * ({@link RocksPartitionStore#options}, ADR 0004). Three kinds of keys, each {@code 'o'} and a
 * command id:
 * <ul>
 *   <li>{@code random}: 36 random hex digits (UUID-like ids), put in the order they arrive;</li>
 *   <li>{@code random, key order}: the same, sorted first, as the store writer puts them (the sort is
 *       timed too);</li>
 *   <li>{@code sequential}: {@code cmd-<n>} with n counting up, as the throughput benchmark's ids.</li>
 * </ul>
 * Each size and kind gets a fresh database in a temporary directory; the first {@value
 * #WARMUP_BATCHES} batches are not timed. Prints the median of each one's time per put over {@code
 * bench.memtable.rounds} rounds, all interleaved in every round. Run it with {@code -cp
 * benchmarks/target/tributary-benchmarks.jar io.tributary.benchmarks.MemtablePuts} (see README.md).
 */
public final class MemtablePuts {
  private static final int WARMUP_BATCHES = 100;
  private static final int ID_DIGITS = 36;
  private static final int VALUE_BYTES = 60;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** The command ids of a run's keys, and whether a batch is sorted before its write. */
  private enum Keys {
    RANDOM("random"),
    RANDOM_SORTED("random, key order"),
    SEQUENTIAL("sequential");

    private final String label;

    Keys(String label) {
      this.label = label;
    }
  }

  private MemtablePuts() {}

  public static void main(String[] args) throws RocksDBException {
    RocksDB.loadLibrary();
    int batchPuts = Integer.getInteger("bench.memtable.batch-puts", 5_000);
    int batches = Integer.getInteger("bench.memtable.batches", 400);
    int rounds = Integer.getInteger("bench.memtable.rounds", 3);
    List<Long> sizesMiB = new ArrayList<>();
    for (String size : System.getProperty("bench.memtable.sizes-mib", "64,8").split(",")) {
      sizesMiB.add(Long.parseLong(size.strip()));
    }
    Progress.print("Memtable puts: %d batches of %d puts ('o' and a command id, %d-byte values) per size, kind of"
        + " id and round, sizes %s MiB, %d rounds", batches, batchPuts, VALUE_BYTES, sizesMiB, rounds);
    Keys[] kinds = Keys.values();
    double[][][] nanosPerPut = new double[sizesMiB.size()][kinds.length][rounds];
    Random random = new Random(20261124);
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < sizesMiB.size(); i++) {
        for (Keys keys : kinds) {
          double nanos = timePuts(sizesMiB.get(i) << 20, keys, batchPuts, batches, random);
          nanosPerPut[i][keys.ordinal()][round] = nanos;
          Progress.print("  round %d, memtable %d MiB, %s ids: %.0f ns per put", round + 1, sizesMiB.get(i),
              keys.label, nanos);
        }
      }
    }
    for (int i = 0; i < sizesMiB.size(); i++) {
      for (Keys keys : kinds) {
        double[] runs = nanosPerPut[i][keys.ordinal()];
        double[] sorted = runs.clone();
        Arrays.sort(sorted);
        Progress.print("memtable %4d MiB, %-17s ids: median %s ns per put (runs: %s)", sizesMiB.get(i), keys.label,
            String.format(Locale.ROOT, "%.0f", sorted[sorted.length / 2]), Arrays.stream(runs)
                .mapToObj(nanos -> String.format(Locale.ROOT, "%.0f", nanos)).toList());
      }
    }
  }

  /** @return the mean time of one put in {@code db.write} (and the sort, if the kind sorts), over the timed batches */
  private static double timePuts(long writeBufferBytes, Keys kind, int batchPuts, int batches, Random random)
      throws RocksDBException {
    Path dir = TempDirs.create("bench-memtable-");
    StoreMemory memory = StoreMemory.defaults().withMemtableBytes(writeBufferBytes);
    long sequence = 0;
    try (Filter bloom = RocksPartitionStore.bloomFilter();
        LRUCache cache = new LRUCache(memory.blockCacheBytes());
        Options options = RocksPartitionStore.options(memory, bloom, cache);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions write = new WriteOptions()) {
      long nanos = 0;
      long puts = 0;
      byte[][] keys = new byte[batchPuts][];
      byte[][] values = new byte[batchPuts][];
      for (int batch = 0; batch < batches; batch++) {
        for (int put = 0; put < batchPuts; put++) {
          keys[put] = kind == Keys.SEQUENTIAL ? sequentialKey(sequence++) : randomKey(random);
          values[put] = new byte[VALUE_BYTES];
          random.nextBytes(values[put]);
        }
        Integer[] order = new Integer[batchPuts];
        Arrays.setAll(order, index -> index);
        long started = System.nanoTime();
        // the sort of the pairs by key, as the store writer sorts a batch's entries, is timed too
        if (kind == Keys.RANDOM_SORTED) {
          Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        }
        try (WriteBatch writes = new WriteBatch()) {
          for (int index : order) {
            writes.put(keys[index], values[index]);
          }
          db.write(write, writes);
        }
        if (batch >= WARMUP_BATCHES) {
          nanos += System.nanoTime() - started;
          puts += batchPuts;
        }
      }
      return (double) nanos / puts;
    } finally {
      TempDirs.delete(dir);
    }
  }

  private static byte[] randomKey(Random random) {
    byte[] key = new byte[1 + ID_DIGITS];
    key[0] = 'o';
    for (int i = 1; i < key.length; i++) {
      key[i] = HEX[random.nextInt(HEX.length)];
    }
    return key;
  }

  private static byte[] sequentialKey(long n) {
    return ("ocmd-" + n).getBytes(StandardCharsets.US_ASCII);
  }
}
