package io.tributary.runtime.internal.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.internal.wire.ExpiringCommands;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.rocksdb.Checkpoint;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.ConfigOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PartitionStore} in RocksDB: one database per partition, in its own directory.
 *
 * <h2>Key layout</h2>
 *
 * One keyspace (the default column family); the first byte of a key names its kind, strings are
 * UTF-8:
 *
 * <pre>
 * 'a' aggregateType 0x00 aggregateId   -> StoredAggregate (protobuf)
 * 'o' commandId                        -> OutcomeRecord (protobuf), the first outcome of the id
 * 'm' "events-offset"                  -> next offset of events[p] to replay, 8 bytes big-endian
 * 'm' "outcomes-offset"                -> next offset of outcomes[p] to replay, 8 bytes big-endian
 * 'x' decidedAtMillis tieBreaker       -> ExpiringCommands (protobuf): the command ids (UTF-8) of
 *                                         one batch's 'o' entries; the batch's latest decision time
 *                                         (epoch milliseconds) and a random long, both 8 bytes
 *                                         big-endian
 * </pre>
 *
 * An aggregate type must be non-empty and free of NUL; an aggregate id may hold any character, as it
 * runs to the end of the key. A missing offset reads as 0.
 *
 * <h2>Expiry of dedupe entries</h2>
 *
 * A batch that writes {@code 'o'} entries writes one {@code 'x'} entry beside them, which lists
 * their command ids under the batch's latest decision time: one more key per batch, not per command.
 * A batch that {@linkplain StoreBatch#expireOutcomesDecidedBefore expires} entries deletes, in the
 * same atomic write and before its own puts, the oldest {@code 'x'} entries decided before its time
 * and the {@code 'o'} entries they list, whole entries until at least {@value
 * #MAX_EXPIRED_PER_BATCH} commands; the rest go with the next batches. The store keeps the time of
 * its oldest {@code 'x'} entry in memory (looked up by the first expiry after open), so a batch with
 * nothing to expire reads nothing.
 *
 * <h2>The filter of command ids</h2>
 *
 * Most commands are new, so most dedupe lookups miss, and a miss through RocksDB probes every
 * memtable's and table's bloom filter behind a JNI call. The store keeps a {@link CommandIdFilter} of
 * the ids of its {@code 'o'} entries on the heap instead, and asks RocksDB only for an id the filter
 * may hold. A thread of the store builds the filter from the {@code 'o'} keys after open, while
 * lookups still go to RocksDB; every write adds its ids once it is in RocksDB to the filter, and
 * keeps them for one being built, which adds them before it is used, so the filter never misses an
 * entry. Expired entries stay in it until it is built again, which happens once it has taken its
 * capacity's worth of ids since it was built: sized for twice the keys RocksDB estimates then, up to
 * {@link StoreMemory#dedupeFilterBytes()}. The filter of a store of more ids than that bound holds
 * answers "maybe" more often, and RocksDB is asked more often; the answers stay right (ADR 0004).
 *
 * <h2>Directory</h2>
 *
 * Beside RocksDB's files the directory holds the marker file {@code TRIBUTARY-STORE} (magic line
 * {@code tributary-partition-store}, {@code format 1}, {@code partition <p>}), written before
 * RocksDB's first file. {@link #open} refuses a directory with files but no marker, a marker of
 * another format, or of another partition, with a {@link PermanentException} that says what to do.
 * A {@link #checkpoint} carries the marker too, so it opens as a store of the same partition.
 *
 * <h2>Durability</h2>
 *
 * Writes go through RocksDB's write-ahead log, without an fsync per batch: the Kafka log is the
 * source of truth, and a batch lost in a machine crash is applied again by replaying {@code
 * events[p]} and {@code outcomes[p]} from the stored offsets, which are written in the same atomic
 * batch as the changes they cover.
 *
 * <p>Reads and writes: one thread at a time (the partition's task loop, or its store writer, which
 * {@code PipelinedStore} orders). The filter of command ids is shared with its builder thread under
 * a lock, and {@link #dedupeFilterBytes} may be read from any thread.
 */
public final class RocksPartitionStore implements PartitionStore {
  static {
    RocksDB.loadLibrary();
  }

  private static final Logger log = LoggerFactory.getLogger(RocksPartitionStore.class);
  private static final int BLOOM_BITS_PER_KEY = 10;
  /** About what a state's entry takes in a write batch, to size it; it grows past that as needed. */
  private static final int EXPECTED_STATE_BYTES = 96;
  /** About what a dedupe entry takes in a write batch. */
  private static final int EXPECTED_OUTCOME_BYTES = 160;
  /**
   * Keeps, per first key byte (the key's kind: {@code 'a'}, {@code 'o'}, ...), where the memtable's
   * skip list took the last insert, and starts the next insert of that kind from there: a batch's
   * dedupe entries, put in key order, each land near the one before (ADR 0004).
   */
  private static final String INSERT_HINT_OPTION = "memtable_insert_with_hint_prefix_extractor";
  private static final String INSERT_HINT_PREFIX = "rocksdb.FixedPrefix.1";
  private static final Comparator<StoreBatch.PendingOutcome> BY_STORE_KEY =
      (a, b) -> Arrays.compareUnsigned(a.commandId().storeKey(), b.commandId().storeKey());
  /** The most dedupe entries one batch expires: a backlog is spread over batches, not paid by one. */
  static final int MAX_EXPIRED_PER_BATCH = 10_000;

  private final Path dir;
  private final int partition;
  private final Options options;
  private final Filter bloomFilter;
  private final Cache blockCache;
  private final WriteOptions writeOptions;
  private final ReadOptions readOptions;
  private final RocksDB db;
  /** The most heap the filter of command ids takes; 0: there is none. */
  private final long filterMaxBytes;
  /** Guards the adds to {@link #filter}, {@link #addedWhileBuilding}, {@link #builder} and the swap. */
  private final Object filterLock = new Object();
  /** The filter of every {@code 'o'} entry's command id, or null while the first is built (or none is kept). */
  private volatile @Nullable CommandIdFilter filter;
  /** How many ids {@link #filter} held when it became the filter. */
  private long filterBuiltWith;
  /** The hashes of the ids written while a filter is built, for it: the builder adds them before it swaps. */
  private long[] addedWhileBuilding = new long[0];
  private int addedWhileBuildingCount;
  /** The thread building a filter, which it alone adds to until it takes {@link #addedWhileBuilding}; or null. */
  private @Nullable Thread builder;
  /** Set by close: a build stops and nothing starts another. */
  private volatile boolean stopping;
  /**
   * Set when a build failed, or found more than twice the ids its filter holds well at the bound:
   * none starts again until the store is opened again.
   */
  private boolean noMoreBuilds;
  /** How many lookups the filter answered without RocksDB; read and written by the reading thread. */
  private long answeredByFilter;
  private long eventsOffset;
  private long outcomesOffset;
  /**
   * No expiry entry is older than this ({@code Long.MAX_VALUE}: there is none), so an expiry up to it
   * has nothing to do. 0 after open: the first expiry looks the oldest entry up.
   */
  private long oldestExpiry;
  private boolean closed;

  private RocksPartitionStore(Path dir, int partition, Options options, Filter bloomFilter, Cache blockCache,
      WriteOptions writeOptions, ReadOptions readOptions, RocksDB db, long filterMaxBytes) {
    this.filterMaxBytes = filterMaxBytes;
    this.dir = dir;
    this.partition = partition;
    this.options = options;
    this.bloomFilter = bloomFilter;
    this.blockCache = blockCache;
    this.writeOptions = writeOptions;
    this.readOptions = readOptions;
    this.db = db;
  }

  /**
   * Opens the store of {@code partition} in {@code dir}, creating the directory and an empty store
   * when it is missing or empty.
   *
   * @throws PermanentException if {@code dir} is not a store of this partition and format, or
   *     RocksDB cannot open it (held by another process, corrupt files); the message says what to do
   */
  public static RocksPartitionStore open(Path dir, int partition) {
    return open(dir, partition, StoreMemory.defaults());
  }

  /**
   * Opens the store of {@code partition} in {@code dir} as {@link #open(Path, int)} does, with memtables
   * and a block cache of the sizes {@code memory} gives. The sizes are not part of the store: a store
   * opens with other sizes than it was written with.
   *
   * @throws PermanentException as {@link #open(Path, int)}
   */
  public static RocksPartitionStore open(Path dir, int partition, StoreMemory memory) {
    if (partition < 0) {
      throw new IllegalArgumentException("Partition " + partition + " is invalid; it is >= 0.");
    }
    try {
      StoreMarker.prepare(dir, partition);
    } catch (IOException e) {
      throw new PermanentException("Cannot prepare the store directory " + dir + " of partition "
          + partition + ": " + e + ". Check that the state directory exists and is writable.", e);
    }
    @Nullable Options options = null;
    @Nullable Filter bloomFilter = null;
    @Nullable Cache blockCache = null;
    @Nullable WriteOptions writeOptions = null;
    @Nullable ReadOptions readOptions = null;
    @Nullable RocksDB db = null;
    try {
      bloomFilter = bloomFilter();
      blockCache = new LRUCache(memory.blockCacheBytes());
      options = options(memory, bloomFilter, blockCache);
      // WAL on, no fsync per batch: see "Durability" above
      writeOptions = new WriteOptions().setDisableWAL(false).setSync(false);
      readOptions = new ReadOptions().setVerifyChecksums(true);
      db = RocksDB.open(options, dir.toString());
      RocksPartitionStore store =
          new RocksPartitionStore(dir, partition, options, bloomFilter, blockCache, writeOptions, readOptions, db,
              memory.dedupeFilterBytes());
      store.eventsOffset = store.readOffset(StoreKeys.EVENTS_OFFSET);
      store.outcomesOffset = store.readOffset(StoreKeys.OUTCOMES_OFFSET);
      synchronized (store.filterLock) {
        store.startFilterBuild();
      }
      return store;
    } catch (RocksDBException | RuntimeException | Error e) {
      Throwable failure = e instanceof RocksDBException
          ? new PermanentException("Cannot open the partition store of partition " + partition
              + " in " + dir + ": " + e.getMessage() + ". If another process holds it, stop that"
              + " process; if its files are corrupt, delete " + dir + " and the partition is rebuilt"
              + " from its snapshots and events topic.", e)
          : e;
      RocksDB openDb = db;
      new NativeCloser(failure)
          .run(openDb == null ? null : openDb::closeE)
          .run(readOptions)
          .run(writeOptions)
          .run(options)
          .run(blockCache)
          .run(bloomFilter)
          .throwIfFailed("Cannot open the partition store in " + dir);
      throw new AssertionError("unreachable: the closer rethrows the open failure", failure);
    }
  }

  /**
   * The options every partition store opens with; {@code MemtablePuts} in the benchmarks measures
   * RocksDB with them too. The caller closes them, and the filter and cache after them.
   *
   * @param bloomFilter the tables' filter policy, {@link #bloomFilter()}
   * @param blockCache the block cache, of {@code memory.blockCacheBytes()}
   */
  public static Options options(StoreMemory memory, Filter bloomFilter, Cache blockCache) {
    // the tables' bloom filters answer lookups of absent keys without reading blocks; the block
    // cache keeps hot aggregates. No bloom filter on the memtable: the heap filter of command ids
    // answers most dedupe lookups before RocksDB, and the memtable's filter cost every put more than
    // it saved the lookups left (ADR 0004). Memtables smaller than RocksDB's 64 MiB by default: a put
    // into a smaller skip list misses the CPU caches less; and each insert starts from the last one of
    // its key's kind (INSERT_HINT_OPTION), as a batch's entries are put in key order
    Properties hint = new Properties();
    hint.setProperty(INSERT_HINT_OPTION, INSERT_HINT_PREFIX);
    Options options;
    try (ConfigOptions config = new ConfigOptions();
        ColumnFamilyOptions hinted = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(config, hint);
        DBOptions defaults = new DBOptions()) {
      if (hinted == null) {
        throw new IllegalStateException("RocksDB did not take the partition stores' option " + INSERT_HINT_OPTION
            + "=" + INSERT_HINT_PREFIX + ": the RocksDB library on the class path is not the one this build"
            + " expects; use the rocksdbjni version of the project's pom.xml.");
      }
      options = new Options(defaults, hinted);
    }
    return options.setCreateIfMissing(true).setKeepLogFileNum(2)
        .setWriteBufferSize(memory.memtableBytes())
        .setTableFormatConfig(new BlockBasedTableConfig()
            .setFilterPolicy(bloomFilter)
            .setWholeKeyFiltering(true)
            .setBlockCache(blockCache));
  }

  /**
   * @return the tables' filter policy of every partition store, for {@link #options}: a bloom filter
   *     of {@value #BLOOM_BITS_PER_KEY} bits per key; the caller closes it
   */
  public static Filter bloomFilter() {
    return new BloomFilter(BLOOM_BITS_PER_KEY, false);
  }

  /** @return how many dedupe lookups the filter of command ids answered without RocksDB */
  long lookupsAnsweredByFilter() {
    return answeredByFilter;
  }

  /** {@inheritDoc} While the first filter is built after open, this is 0. */
  @Override
  public long dedupeFilterBytes() {
    CommandIdFilter ids = filter;
    return ids == null ? 0 : ids.bytes();
  }

  /** @return the capacity of this store's block cache, as RocksDB reports it */
  long blockCacheCapacity() {
    ensureOpen();
    try {
      return db.getLongProperty("rocksdb.block-cache-capacity");
    } catch (RocksDBException e) {
      throw new PermanentException("Cannot read the block cache capacity of the partition store " + dir + ": "
          + e.getMessage() + ". Its RocksDB handle is unusable: restart the partition.", e);
    }
  }

  /**
   * Loads RocksDB's native library now, if not loaded yet. It is loaded on first use anyway; an
   * instance calls this at start, on a thread of its own, so the first partition assigned to it does
   * not wait for the library to be unpacked and loaded.
   */
  public static void loadLibrary() {
    // the class's static initializer loads it; reaching here means it ran
  }

  /** @return the directory of this store */
  public Path directory() {
    return dir;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public Optional<StoredAggregate> aggregate(String aggregateType, String aggregateId) {
    byte[] value = get(StoreKeys.aggregate(aggregateType, aggregateId));
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(StoredAggregate.parseFrom(value));
    } catch (InvalidProtocolBufferException e) {
      throw corruptValue("the state of aggregate " + aggregateType + "/" + aggregateId, value, e);
    }
  }

  @Override
  public Optional<OutcomeRecord> outcome(CommandKey commandId) {
    byte[] key = commandId.storeKey();
    CommandIdFilter ids = filter;
    if (ids != null && !ids.mightContain(commandId.hash())) {
      ensureOpen();
      answeredByFilter++;
      return Optional.empty();
    }
    byte[] value = get(key);
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OutcomeRecord.parseFrom(value));
    } catch (InvalidProtocolBufferException e) {
      throw corruptValue("the outcome of command " + commandId, value, e);
    }
  }

  @Override
  public long eventsOffset() {
    ensureOpen();
    return eventsOffset;
  }

  @Override
  public long outcomesOffset() {
    ensureOpen();
    return outcomesOffset;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The batch is checked and encoded completely before anything is written, so an invalid entry
   * (an aggregate type with NUL, a negative offset) writes nothing.
   *
   * @throws IllegalArgumentException if an entry cannot be stored; nothing was written
   * @throws PermanentException if RocksDB fails the write (disk full, I/O error); nothing was
   *     written, the partition should stop and recover by replay
   */
  @Override
  public void apply(StoreBatch batch) {
    ensureOpen();
    if (batch.isEmpty()) {
      return;
    }
    OptionalLong nextEvents = batch.nextEventsOffset();
    OptionalLong nextOutcomes = batch.nextOutcomesOffset();
    checkOffset("events", nextEvents);
    checkOffset("outcomes", nextOutcomes);
    long oldest = oldestExpiry;
    long[] idHashes = new long[batch.outcomes().size()];
    try {
      EncodedWriteBatch writes = new EncodedWriteBatch(
          batch.aggregates().size() * EXPECTED_STATE_BYTES + batch.outcomes().size() * EXPECTED_OUTCOME_BYTES);
      // first: a command decided again after its entry expired is put back by this batch
      if (batch.expireOutcomesBefore().isPresent() && batch.expireOutcomesBefore().getAsLong() > oldest) {
        oldest = expireUpTo(writes, batch.expireOutcomesBefore().getAsLong());
      }
      for (Map.Entry<StoreBatch.AggregateKey, Supplier<StoredAggregate>> entry : batch.aggregates().entrySet()) {
        StoreBatch.AggregateKey key = entry.getKey();
        writes.put(StoreKeys.aggregate(key.aggregateType(), key.aggregateId()), entry.getValue().get());
      }
      if (!batch.outcomes().isEmpty()) {
        ExpiringCommands.Builder expiring = ExpiringCommands.newBuilder();
        long decidedAt = 0;
        int next = 0;
        // in key order, each insert starts where the one before it went (INSERT_HINT_OPTION): command
        // ids that arrive in random order (UUIDs) cost a third less RocksDB time that way. A copy: the
        // task loop may read the batch's list meanwhile
        StoreBatch.PendingOutcome[] inKeyOrder = batch.outcomes().toArray(new StoreBatch.PendingOutcome[0]);
        Arrays.sort(inKeyOrder, BY_STORE_KEY);
        for (StoreBatch.PendingOutcome pending : inKeyOrder) {
          CommandKey id = pending.commandId();
          idHashes[next++] = id.hash();
          if (pending.outcome() instanceof StoreBatch.EncodableOutcome encodable) {
            writes.put(id.storeKey(), encodable.encoded());
          } else {
            writes.put(id.storeKey(), pending.outcome().get());
          }
          expiring.addCommandIds(id.utf8());
          decidedAt = Math.max(decidedAt, pending.decidedAtMillis());
        }
        writes.put(StoreKeys.expiry(decidedAt, ThreadLocalRandom.current().nextLong()), expiring.build());
        oldest = Math.min(oldest, decidedAt);
      }
      if (nextEvents.isPresent()) {
        writes.put(StoreKeys.meta(StoreKeys.EVENTS_OFFSET),
            StoreKeys.encodeOffset(nextEvents.getAsLong()));
      }
      if (nextOutcomes.isPresent()) {
        writes.put(StoreKeys.meta(StoreKeys.OUTCOMES_OFFSET),
            StoreKeys.encodeOffset(nextOutcomes.getAsLong()));
      }
      try (WriteBatch whole = writes.toWriteBatch()) {
        db.write(writeOptions, whole);
      }
    } catch (RocksDBException e) {
      throw new PermanentException("Cannot write a batch of " + batch.aggregates().size()
          + " aggregates and " + batch.outcomes().size() + " outcomes to the partition store "
          + dir + ": " + e.getMessage() + ". Nothing of the batch was written; check the disk, then"
          + " restart the partition, which replays the batch from the Kafka log.", e);
    }
    if (nextEvents.isPresent()) {
      eventsOffset = nextEvents.getAsLong();
    }
    if (nextOutcomes.isPresent()) {
      outcomesOffset = nextOutcomes.getAsLong();
    }
    oldestExpiry = oldest;
    if (idHashes.length > 0) {
      addToFilters(idHashes);
    }
  }

  /**
   * Adds the ids of entries now in RocksDB to the filter, keeps them for the one being built, and
   * starts a new build once the filter took its capacity's worth since it was built. After the write:
   * a build started before it is given the ids here, one started after it reads them from RocksDB.
   */
  private void addToFilters(long[] idHashes) {
    synchronized (filterLock) {
      CommandIdFilter current = filter;
      if (current != null) {
        for (long hash : idHashes) {
          current.add(hash);
        }
      }
      if (builder != null) {
        if (addedWhileBuildingCount + idHashes.length > addedWhileBuilding.length) {
          addedWhileBuilding = Arrays.copyOf(addedWhileBuilding,
              Math.max(addedWhileBuildingCount + idHashes.length, 2 * addedWhileBuilding.length));
        }
        System.arraycopy(idHashes, 0, addedWhileBuilding, addedWhileBuildingCount, idHashes.length);
        addedWhileBuildingCount += idHashes.length;
      }
      if (current != null && builder == null && current.added() - filterBuiltWith > current.capacity()) {
        startFilterBuild();
      }
    }
  }

  /**
   * Starts a thread that builds a new filter from the {@code 'o'} keys; under {@link #filterLock}.
   * Never throws: a build that cannot start leaves lookups as they are, and starts none again.
   */
  private void startFilterBuild() {
    if (filterMaxBytes == 0 || stopping || noMoreBuilds || builder != null) {
      return;
    }
    long keys;
    try {
      keys = db.getLongProperty("rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      keys = filter == null ? 0 : filter.added();
    }
    long ids = 2 * keys;
    try {
      builder = Thread.ofPlatform().daemon().name("tributary-dedupe-filter-p" + partition)
          .start(() -> buildFilter(ids));
    } catch (RuntimeException | OutOfMemoryError e) {
      builder = null;
      noMoreBuilds = true;
      addedWhileBuilding = new long[0];
      addedWhileBuildingCount = 0;
      log.warn("Cannot start the build of the filter of command ids of partition {}: {}. Until the store is opened"
          + " again, dedupe lookups answer from the filter built before, if any, and from RocksDB; the answers stay"
          + " right.", partition, e.toString(), e);
    }
  }

  /**
   * On the builder thread: reads every {@code 'o'} key into a new filter for about {@code ids} ids
   * (allocated here, not on the writer), then makes it the filter.
   */
  private void buildFilter(long ids) {
    boolean built = false;
    @Nullable CommandIdFilter next = null;
    try (Slice lower = new Slice(new byte[] {StoreKeys.OUTCOME});
        Slice upper = new Slice(new byte[] {StoreKeys.OUTCOME + 1});
        // a prefix extractor added to the options must not make this scan skip a key
        ReadOptions scan = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper)
            .setTotalOrderSeek(true).setFillCache(false);
        RocksIterator entries = db.newIterator(scan)) {
      next = CommandIdFilter.forIds(ids, filterMaxBytes);
      for (entries.seekToFirst(); entries.isValid(); entries.next()) {
        if (stopping) {
          return;
        }
        next.add(CommandIdFilter.hash(entries.key(), 1));
      }
      entries.status();
      built = true;
    } catch (RocksDBException | RuntimeException | OutOfMemoryError e) {
      log.warn("Cannot build the filter of command ids of partition {} from {}: {}. Until the store is opened again,"
          + " dedupe lookups answer from the filter built before, if any, and from RocksDB; the answers stay right."
          + " If the store's files are corrupt, delete {} to rebuild the partition from its snapshots and events"
          + " topic.", partition, dir, e.toString(), dir, e);
    } finally {
      synchronized (filterLock) {
        if (built && !stopping && next != null) {
          long scanned = next.added();
          for (int i = 0; i < addedWhileBuildingCount; i++) {
            next.add(addedWhileBuilding[i]);
          }
          filter = next;
          filterBuiltWith = next.added();
          if (scanned > next.capacity() && next.bytes() * 2 > Math.min(filterMaxBytes, CommandIdFilter.MAX_BYTES)) {
            // at its bound and over-full: building it again would scan every key for little gain
            noMoreBuilds = scanned > 2 * next.capacity();
            log.warn("The filter of command ids of partition {} holds {} stored ids, more than the {} it answers well"
                + " at its bound of {} bytes: dedupe lookups go to RocksDB more often{}. Raise"
                + " tributary.runtime.store.dedupe-filter-bytes (StoreMemory.dedupeFilterBytes), or shorten the"
                + " command retention.", partition, scanned, next.capacity(), filterMaxBytes,
                noMoreBuilds ? ", and it is not built again until the store is opened again" : "");
          }
        }
        addedWhileBuilding = new long[0];
        addedWhileBuildingCount = 0;
        noMoreBuilds |= !built && !stopping;
        builder = null;
      }
    }
  }

  /**
   * Adds to {@code writes} the deletion of the oldest expiry entries decided before {@code before} and
   * of the dedupe entries they list: whole entries, until at least {@link #MAX_EXPIRED_PER_BATCH}
   * commands.
   *
   * @return the time of the oldest expiry entry left once {@code writes} is written, or {@code
   *     Long.MAX_VALUE} if none is left
   */
  private long expireUpTo(EncodedWriteBatch writes, long before) throws RocksDBException {
    try (Slice lower = new Slice(StoreKeys.expiryBound(oldestExpiry));
        Slice upper = new Slice(new byte[] {StoreKeys.EXPIRY + 1});
        ReadOptions bounded = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator entries = db.newIterator(bounded)) {
      int expired = 0;
      for (entries.seekToFirst(); entries.isValid(); entries.next()) {
        byte[] key = entries.key();
        long decidedAt = StoreKeys.expiryTime(key);
        if (decidedAt >= before || expired >= MAX_EXPIRED_PER_BATCH) {
          return decidedAt;
        }
        ExpiringCommands commands;
        try {
          commands = ExpiringCommands.parseFrom(entries.value());
        } catch (InvalidProtocolBufferException e) {
          throw corruptValue("the expiry entry of the commands decided at " + Instant.ofEpochMilli(decidedAt),
              entries.value(), e);
        }
        for (ByteString commandId : commands.getCommandIdsList()) {
          writes.delete(StoreKeys.outcome(commandId));
        }
        writes.delete(key);
        expired += commands.getCommandIdsCount();
      }
      entries.status();
      return Long.MAX_VALUE;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The checkpoint includes the store's marker, so {@link #open} accepts it for the same
   * partition. Its parent directory is created if needed.
   *
   * @throws IllegalArgumentException if {@code target} exists
   * @throws PermanentException if RocksDB or the file system fails; {@code target} is removed again
   */
  @Override
  public void checkpoint(Path target) {
    ensureOpen();
    if (Files.exists(target)) {
      throw new IllegalArgumentException("Checkpoint target " + target + " exists already; pass a"
          + " path that does not exist yet (RocksDB creates the directory).");
    }
    try {
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (Checkpoint checkpoint = Checkpoint.create(db)) {
        checkpoint.createCheckpoint(target.toString());
      }
      StoreMarker.write(target, partition);
    } catch (RocksDBException | IOException | RuntimeException e) {
      PermanentException failure = new PermanentException("Cannot write a checkpoint of the"
          + " partition store " + dir + " to " + target + ": " + e.getMessage() + ". Check the"
          + " free space and permissions of " + target + "; the store itself is unaffected.", e);
      try {
        StoreFiles.deleteRecursively(target);
      } catch (IOException | RuntimeException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
  }

  /**
   * Flushes the memtable and closes RocksDB and every native handle, each even when an earlier one
   * failed. Idempotent.
   *
   * @throws PermanentException with the first failure, the others suppressed; the handles are
   *     released all the same
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    new NativeCloser(null)
        .run(this::stopFilterBuild)
        .run(this::flush)
        .run(db::closeE)
        .run(readOptions)
        .run(writeOptions)
        .run(options)
        .run(blockCache)
        .run(bloomFilter)
        .throwIfFailed("Cannot close the partition store " + dir + " cleanly; the next open replays"
            + " its write-ahead log");
  }

  @Override
  public String toString() {
    return "RocksPartitionStore[partition " + partition + " in " + dir + "]";
  }

  /**
   * Stops a filter build, and waits for its thread to let go of RocksDB, interrupted or not: RocksDB
   * must not close under its iterator. The build stops at its next key.
   */
  private void stopFilterBuild() {
    Thread running;
    synchronized (filterLock) {
      stopping = true;
      running = builder;
    }
    filter = null; // its heap goes with the store
    boolean interrupted = false;
    while (running != null && running.isAlive()) {
      try {
        running.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void flush() throws RocksDBException {
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flush);
    }
  }

  private byte @Nullable [] get(byte[] key) {
    ensureOpen();
    try {
      return db.get(readOptions, key);
    } catch (RocksDBException e) {
      throw new PermanentException("Cannot read the partition store " + dir + ": " + e.getMessage()
          + ". Its files may be corrupt: delete " + dir + " to rebuild partition " + partition
          + " from its snapshots and events topic.", e);
    }
  }

  private long readOffset(String name) {
    byte[] value = get(StoreKeys.meta(name));
    if (value == null) {
      return 0L;
    }
    try {
      return StoreKeys.decodeOffset(value);
    } catch (IllegalStateException e) {
      throw corruptValue("the offset '" + name + "'", value, e);
    }
  }

  private PermanentException corruptValue(String what, byte[] value, Exception cause) {
    return new PermanentException("The partition store " + dir + " holds " + what + " as "
        + value.length + " bytes that do not decode: " + cause.getMessage() + ". Delete " + dir
        + " to rebuild partition " + partition + " from its snapshots and events topic.", cause);
  }

  private static void checkOffset(String topic, OptionalLong offset) {
    if (offset.isPresent() && offset.getAsLong() < 0) {
      throw new IllegalArgumentException("The next " + topic + " offset " + offset.getAsLong()
          + " is negative; offsets are >= 0. Nothing of the batch was written.");
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("The partition store " + dir + " is closed; open it again"
          + " with RocksPartitionStore.open.");
    }
  }
}
