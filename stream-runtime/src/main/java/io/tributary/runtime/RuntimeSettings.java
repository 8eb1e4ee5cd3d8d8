package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a runtime instance runs. Immutable; each {@code withX} returns a copy.
 *
 * @param bootstrapServers the Kafka brokers
 * @param kafkaProperties any Kafka client property (security protocol, SASL, TLS, timeouts), passed
 *     to every producer, consumer and admin client; Tributary's own transactional settings win
 * @param partitions the partition count, fixed when the service is created
 * @param replicationFactor the replication factor of topics Tributary creates
 * @param stateDir where the partitions' RocksDB state and this instance's id live
 * @param snapshotDir the directory snapshot store
 * @param maxBatchRecords the most commands decided in one transaction
 * @param pollTimeout how long a poll for commands waits while no transaction is in flight (with one
 *     in flight, the task loop polls without waiting and decides the next batch)
 * @param taskThreads task loops of this instance, each a member of the service's consumer group with
 *     its own transactional producers, so an instance decides the commands of several partitions at
 *     once; from 1 to {@code partitions}
 * @param maxCommandBytes the largest command payload accepted
 * @param commandRetention how long commands and outcomes stay in Kafka, and how long after its
 *     decision a command's dedupe entry is kept: a resend within it gets the first outcome, a resend
 *     after it is decided again
 * @param snapshotPolicy when partition snapshots are taken and how many are kept
 * @param stateCacheBytes how much heap each owned partition's cache of decoded states may take
 *     (roughly least recently used out first), so a command for an aggregate decided a moment ago skips
 *     reading and parsing its state from RocksDB; an entry counts as its state's encoded size, its
 *     aggregate id's length and 176 bytes for the key, the map and the message object; 0 turns the
 *     cache off. Size it to the aggregates a partition decides again within a few seconds: a young
 *     garbage collection copies the cached states that are still young (ADR 0003, "Per batch")
 * @param localHandoff whether a command whose partition this instance owns is handed to its task
 *     loop without the commands topic (ADR 0009)
 * @param storeMemory the native memory of each owned partition's RocksDB store
 */
@Evolving
public record RuntimeSettings(
    String bootstrapServers,
    Map<String, String> kafkaProperties,
    int partitions,
    short replicationFactor,
    Path stateDir,
    Path snapshotDir,
    int maxBatchRecords,
    Duration pollTimeout,
    int taskThreads,
    int maxCommandBytes,
    Duration commandRetention,
    SnapshotPolicy snapshotPolicy,
    long stateCacheBytes,
    boolean localHandoff,
    StoreMemory storeMemory) {

  /**
   * The default {@link #stateCacheBytes}: 4 MiB per owned partition, which holds about 20,000 small
   * states.
   */
  public static final long DEFAULT_STATE_CACHE_BYTES = 4L << 20;

  public RuntimeSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    kafkaProperties = Map.copyOf(kafkaProperties);
    Objects.requireNonNull(storeMemory, "storeMemory");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions is " + partitions + "; a service needs at least 1.");
    }
    if (maxBatchRecords < 1 || maxCommandBytes < 1) {
      throw new IllegalArgumentException("maxBatchRecords and maxCommandBytes must be at least 1.");
    }
    if (stateCacheBytes < 0) {
      throw new IllegalArgumentException("stateCacheBytes is " + stateCacheBytes
          + "; it must be 0 (no cache) or more, e.g. 4194304 (4 MiB per partition).");
    }
    if (taskThreads < 1 || taskThreads > partitions) {
      throw new IllegalArgumentException("taskThreads is " + taskThreads + "; it must be from 1 to the partition count ("
          + partitions + "): a task loop serves whole partitions, so more loops than partitions would idle.");
    }
  }

  /**
   * @return settings for a broker at {@code bootstrapServers} with state under {@code stateDir}: 8
   *     partitions, replication 1, snapshots in {@code stateDir/snapshots} by {@link
   *     SnapshotPolicy#defaults()}, batches of up to 6,000 commands, one task loop, 1 MiB commands, 7
   *     days of command retention, 4 MiB of cached states per partition ({@link
   *     #DEFAULT_STATE_CACHE_BYTES}), the local handoff on, and {@link StoreMemory#defaults()}
   */
  public static RuntimeSettings defaults(String bootstrapServers, Path stateDir) {
    return new RuntimeSettings(bootstrapServers, Map.of(), 8, (short) 1, stateDir, stateDir.resolve("snapshots"), 6_000,
        Duration.ofMillis(100), 1, 1 << 20, Duration.ofDays(7), SnapshotPolicy.defaults(), DEFAULT_STATE_CACHE_BYTES,
        true, StoreMemory.defaults());
  }

  public RuntimeSettings withKafkaProperties(Map<String, String> kafkaProperties) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withPartitions(int partitions) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withReplicationFactor(short replicationFactor) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withStateDir(Path stateDir) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withSnapshotDir(Path snapshotDir) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withMaxBatchRecords(int maxBatchRecords) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withPollTimeout(Duration pollTimeout) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withTaskThreads(int taskThreads) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withMaxCommandBytes(int maxCommandBytes) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withSnapshotPolicy(SnapshotPolicy snapshotPolicy) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withCommandRetention(Duration commandRetention) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withStateCacheBytes(long stateCacheBytes) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withLocalHandoff(boolean localHandoff) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }

  public RuntimeSettings withStoreMemory(StoreMemory storeMemory) {
    return new RuntimeSettings(bootstrapServers, kafkaProperties, partitions, replicationFactor, stateDir, snapshotDir,
        maxBatchRecords, pollTimeout, taskThreads, maxCommandBytes, commandRetention, snapshotPolicy,
        stateCacheBytes, localHandoff, storeMemory);
  }
}
