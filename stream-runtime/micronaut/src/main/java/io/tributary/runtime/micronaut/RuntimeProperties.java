package io.tributary.runtime.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.convert.format.MapFormat;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The runtime's configuration under {@value #PREFIX}, one key per {@link RuntimeSettings} field.
 * Every key is optional: an absent one takes the value of {@link RuntimeSettings#defaults} and
 * {@link SnapshotPolicy#defaults()}. Values are checked when the bean is created; an invalid one
 * fails the application context's start with a message naming the key and the fix. Immutable.
 *
 * @param bootstrapServers {@code bootstrap-servers}: the Kafka brokers, e.g. {@code
 *     kafka-1:9092,kafka-2:9092}; absent starts the dev services' broker (see {@link
 *     TributaryFactory})
 * @param kafka {@code kafka.*}: any Kafka client property, passed to every producer, consumer and
 *     admin client, e.g. {@code tributary.runtime.kafka.security.protocol=SASL_SSL} or the
 *     environment variable {@code TRIBUTARY_RUNTIME_KAFKA_SECURITY_PROTOCOL}; a {@code -} in a
 *     name reads as {@code .}, as Kafka's names have none. The keys Tributary sets itself are
 *     refused
 * @param partitions {@code partitions}: the partition count, fixed when the topics are created
 * @param replicationFactor {@code replication-factor}: of the topics Tributary creates
 * @param stateDir {@code state-dir}: where the partitions' RocksDB state and the instance id live;
 *     one directory per instance
 * @param snapshotDir {@code snapshot-dir}: the directory snapshot store; default {@code
 *     <state-dir>/snapshots}
 * @param maxBatchRecords {@code max-batch-records}: the most commands decided in one transaction
 * @param pollTimeout {@code poll-timeout}: how long a poll for commands waits while no transaction is in flight
 * @param taskThreads {@code task-threads}: task loops of this instance, from 1 to {@code
 *     partitions}; each decides the commands of its own partitions in its own transactions
 * @param maxCommandBytes {@code max-command-bytes}: the largest command payload accepted
 * @param commandRetention {@code command-retention}: how long commands and outcomes stay in Kafka,
 *     and how long a command's dedupe entry is kept after its decision
 * @param snapshot {@code snapshot.*}: when partition snapshots are taken and how many are kept
 * @param stateCacheBytes {@code state-cache-bytes}: how much heap each owned partition's cache of
 *     decoded states may take between batches, least recently used out first; an entry counts as
 *     its state's encoded size, its aggregate id's length and 176 bytes; 0 turns the cache off
 * @param localHandoff {@code local-handoff}: whether a command whose partition this instance owns is
 *     handed to its task loop without the commands topic (ADR 0009); false keeps every command in the
 *     topic
 * @param store {@code store.*}: the native memory of each owned partition's RocksDB store
 */
@ConfigurationProperties(RuntimeProperties.PREFIX)
public record RuntimeProperties(
    @Nullable String bootstrapServers,
    @MapFormat(transformation = MapFormat.MapTransformation.FLAT) @Nullable Map<String, String> kafka,
    @Bindable(defaultValue = "8") int partitions,
    @Bindable(defaultValue = "1") int replicationFactor,
    @Nullable Path stateDir,
    @Nullable Path snapshotDir,
    @Bindable(defaultValue = "6000") int maxBatchRecords,
    @Bindable(defaultValue = "100ms") Duration pollTimeout,
    @Bindable(defaultValue = "1") int taskThreads,
    @Bindable(defaultValue = "1048576") int maxCommandBytes,
    @Bindable(defaultValue = "7d") Duration commandRetention,
    Snapshot snapshot,
    @Bindable(defaultValue = "4194304") long stateCacheBytes,
    @Bindable(defaultValue = "true") boolean localHandoff,
    Store store) {

  /** The prefix of every key of this class. */
  public static final String PREFIX = "tributary.runtime";

  /** The key whose absence starts the dev services. */
  public static final String BOOTSTRAP_SERVERS = PREFIX + ".bootstrap-servers";

  // the keys whose values Micronaut would replace by their default if they did not convert;
  // "enabled" belongs to TributaryFactory
  static final Map<String, Class<?>> TYPED_KEYS = Map.ofEntries(
      Map.entry("enabled", Boolean.class),
      Map.entry("partitions", Integer.class),
      Map.entry("replication-factor", Integer.class),
      Map.entry("max-batch-records", Integer.class),
      Map.entry("poll-timeout", Duration.class),
      Map.entry("task-threads", Integer.class),
      Map.entry("max-command-bytes", Integer.class),
      Map.entry("command-retention", Duration.class),
      Map.entry("state-cache-bytes", Long.class),
      Map.entry("local-handoff", Boolean.class),
      Map.entry("snapshot.interval", Duration.class),
      Map.entry("snapshot.min-events-between", Long.class),
      Map.entry("snapshot.retained", Integer.class),
      Map.entry("store.memtable-bytes", Long.class),
      Map.entry("store.block-cache-bytes", Long.class),
      Map.entry("store.dedupe-filter-bytes", Long.class));

  /** Keys of earlier versions that no longer exist, with what to set instead. */
  static final Map<String, String> REPLACED_KEYS = Map.of(
      "state-cache-entries", PREFIX + ".state-cache-bytes: the heap each partition's decoded states may take, e.g."
          + " 4194304 (4 MiB), where an entry counts as its state's encoded size, its aggregate id's length and 176"
          + " bytes");

  // KafkaClients sets these on every client: the guarantees rest on them, so a configured value would be ignored
  private static final Set<String> RESERVED_KAFKA_KEYS = Set.of(
      "bootstrap.servers", "group.id", "client.id", "transactional.id", "enable.idempotence", "acks",
      "isolation.level", "enable.auto.commit");

  /**
   * @throws IllegalArgumentException naming the key and the fix, if a value is out of range or a
   *     Kafka property is one Tributary sets itself
   */
  public RuntimeProperties {
    if (bootstrapServers != null && bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(BOOTSTRAP_SERVERS + " is blank. Set it to the Kafka brokers, e.g."
          + " kafka-1:9092,kafka-2:9092, or remove it to start the dev services' broker.");
    }
    kafka = kafka == null ? Map.of() : kafkaProperties(kafka);
    for (String key : kafka.keySet()) {
      if (RESERVED_KAFKA_KEYS.contains(key)) {
        throw new IllegalArgumentException(PREFIX + ".kafka." + key + " is set by Tributary itself and would be"
            + " ignored. " + (key.equals("bootstrap.servers")
                ? "Set " + BOOTSTRAP_SERVERS + " instead."
                : "Remove it: transactions, read_committed and client ids are not configurable."));
      }
    }
    atLeast("partitions", partitions, 1, "the partition count of the service's topics, e.g. 8; it cannot change"
        + " once the topics exist");
    if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
      throw new IllegalArgumentException(PREFIX + ".replication-factor is " + replicationFactor + ". Set it to 1"
          + " or more and at most the number of brokers, e.g. 3 in production.");
    }
    atLeast("max-batch-records", maxBatchRecords, 1, "the most commands decided in one transaction, e.g. 2000");
    positive("poll-timeout", pollTimeout, "100ms");
    if (taskThreads < 1 || taskThreads > partitions) {
      throw new IllegalArgumentException(PREFIX + ".task-threads is " + taskThreads + ". Set it from 1 to "
          + PREFIX + ".partitions (" + partitions + "), e.g. the number of cores the instance may use.");
    }
    atLeast("max-command-bytes", maxCommandBytes, 1, "the largest command payload in bytes, e.g. 1048576");
    positive("command-retention", commandRetention, "7d");
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(store, "store");
    if (stateCacheBytes < 0) {
      throw new IllegalArgumentException(PREFIX + ".state-cache-bytes is " + stateCacheBytes + ". Set it to 0 or"
          + " more: the heap each partition's decoded states may take, e.g. 4194304 (4 MiB), or 0 for no cache.");
    }
  }

  /**
   * Builds the runtime's settings from these values.
   *
   * @param bootstrapServers the brokers to use: {@link #bootstrapServers()} or the dev services'
   * @param defaultStateDir the state directory when {@code state-dir} is not configured
   */
  public RuntimeSettings toSettings(String bootstrapServers, Path defaultStateDir) {
    RuntimeSettings settings = RuntimeSettings.defaults(bootstrapServers, stateDir != null ? stateDir : defaultStateDir)
        .withKafkaProperties(kafka())
        .withPartitions(partitions)
        .withReplicationFactor((short) replicationFactor)
        .withMaxBatchRecords(maxBatchRecords)
        .withPollTimeout(pollTimeout)
        .withTaskThreads(taskThreads)
        .withMaxCommandBytes(maxCommandBytes)
        .withCommandRetention(commandRetention)
        .withSnapshotPolicy(snapshot.toPolicy())
        .withStateCacheBytes(stateCacheBytes)
        .withLocalHandoff(localHandoff)
        .withStoreMemory(store.toMemory());
    // absent, the snapshot directory follows the state directory as in RuntimeSettings.defaults
    return snapshotDir != null ? settings.withSnapshotDir(snapshotDir) : settings;
  }

  /** @return the configured Kafka client properties; empty if none */
  @Override
  public Map<String, String> kafka() {
    return Objects.requireNonNull(kafka);
  }

  /**
   * The snapshot cadence and retention under {@value RuntimeProperties#PREFIX}{@code .snapshot};
   * an absent key takes the value of {@link SnapshotPolicy#defaults()}. Immutable.
   *
   * @param interval {@code snapshot.interval}: the least time between two snapshots of a partition
   * @param minEventsBetween {@code snapshot.min-events-between}: the least number of events applied
   *     between two snapshots
   * @param retained {@code snapshot.retained}: how many snapshots to keep per partition
   */
  @ConfigurationProperties("snapshot")
  public record Snapshot(
      @Bindable(defaultValue = "5m") Duration interval,
      @Bindable(defaultValue = "10000") long minEventsBetween,
      @Bindable(defaultValue = "3") int retained) {
    /** @throws IllegalArgumentException naming the key and the fix, if a value is out of range */
    public Snapshot {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException(PREFIX + ".snapshot.interval is " + interval + ". Set it to 0s or more,"
            + " e.g. 5m.");
      }
      if (minEventsBetween < 0) {
        throw new IllegalArgumentException(PREFIX + ".snapshot.min-events-between is " + minEventsBetween
            + ". Set it to 0 or more, e.g. 10000.");
      }
      atLeast("snapshot.retained", retained, 1, "how many snapshots to keep per partition, e.g. 3: a restore"
          + " needs at least one");
    }

    /** @return the policy these values describe */
    public SnapshotPolicy toPolicy() {
      return new SnapshotPolicy(interval, minEventsBetween, retained);
    }
  }

  /**
   * The memory of each owned partition's RocksDB store under {@value RuntimeProperties#PREFIX}{@code
   * .store}; an absent key takes the value of {@link StoreMemory#defaults()}. An instance holds up to
   * its partitions × (2 × {@code memtable-bytes} + {@code block-cache-bytes}) in memtables and block
   * caches, and up to its partitions × {@code dedupe-filter-bytes} of heap in filters of command ids.
   * Immutable.
   *
   * @param memtableBytes {@code store.memtable-bytes}: the size of a memtable, at least 65536
   * @param blockCacheBytes {@code store.block-cache-bytes}: the partition's cache of table blocks, 0
   *     for none
   * @param dedupeFilterBytes {@code store.dedupe-filter-bytes}: the most heap the partition's filter
   *     of command ids takes, 0 for none
   */
  @ConfigurationProperties("store")
  public record Store(
      @Bindable(defaultValue = "8388608") long memtableBytes,
      @Bindable(defaultValue = "33554432") long blockCacheBytes,
      @Bindable(defaultValue = "4194304") long dedupeFilterBytes) {
    /** @throws IllegalArgumentException naming the key and the fix, if a value is out of range */
    public Store {
      if (memtableBytes < StoreMemory.MIN_MEMTABLE_BYTES) {
        throw new IllegalArgumentException(PREFIX + ".store.memtable-bytes is " + memtableBytes + ". Set it to "
            + StoreMemory.MIN_MEMTABLE_BYTES + " (64 KiB) or more, e.g. 8388608 (8 MiB, the default).");
      }
      if (blockCacheBytes < 0) {
        throw new IllegalArgumentException(PREFIX + ".store.block-cache-bytes is " + blockCacheBytes + ". Set it"
            + " to 0 (no cache) or more, e.g. 33554432 (32 MiB, the default).");
      }
      if (dedupeFilterBytes < 0 || dedupeFilterBytes > StoreMemory.MAX_DEDUPE_FILTER_BYTES) {
        throw new IllegalArgumentException(PREFIX + ".store.dedupe-filter-bytes is " + dedupeFilterBytes + ". Set"
            + " it from 0 (no filter) to " + StoreMemory.MAX_DEDUPE_FILTER_BYTES + " (1 GiB), e.g. 4194304 (4 MiB, the"
            + " default).");
      }
    }

    /** @return the store memory these values describe */
    public StoreMemory toMemory() {
      return new StoreMemory(memtableBytes, blockCacheBytes, dedupeFilterBytes);
    }
  }

  // Micronaut reads TRIBUTARY_RUNTIME_KAFKA_SASL_JAAS_CONFIG as every mix of '.' and '-' (sasl.jaas.config,
  // sasl.jaas-config, sasl-jaas.config, ...); Kafka's names use '.' only, so the variants fold into one key
  private static Map<String, String> kafkaProperties(Map<String, String> configured) {
    Map<String, String> folded = new TreeMap<>();
    configured.forEach((key, value) -> {
      String name = key.replace('-', '.');
      String earlier = folded.putIfAbsent(name, value);
      if (earlier != null && !earlier.equals(value)) {
        // the values are not shown: they may be passwords
        throw new IllegalArgumentException(PREFIX + ".kafka." + name + " is given twice with different values, once"
            + " as " + PREFIX + ".kafka." + key + " (Kafka's names use '.' only, so '-' reads as '.'). Keep one.");
      }
    });
    return Map.copyOf(folded);
  }

  private static void atLeast(String key, int value, int least, String fix) {
    if (value < least) {
      throw new IllegalArgumentException(PREFIX + "." + key + " is " + value + ". Set it to " + least + " or more: "
          + fix + ".");
    }
  }

  private static void positive(String key, Duration value, String example) {
    Objects.requireNonNull(value, key);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(PREFIX + "." + key + " is " + value + ". Set it to a positive duration,"
          + " e.g. " + example + ".");
    }
  }
}
