package io.tributary.projection;

import io.tributary.core.annotation.Experimental;
import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import io.tributary.runtime.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link ProjectionRunner} consumes and writes. Immutable; each {@code withX} returns a copy.
 *
 * @param bootstrapServers the Kafka brokers
 * @param kafkaProperties any Kafka consumer property (security protocol, SASL, TLS, timeouts); the
 *     runner's own settings ({@code read_committed}, manual commits, group id) win
 * @param pollTimeout how long one poll for events waits
 * @param maxBatchRecords the most events one poll returns, and so the largest batch given to the sink
 * @param initialBackoff the wait before the first retry of a sink call that failed transiently
 * @param maxBackoff the longest wait between retries; the wait doubles up to it
 * @param maxAttempts how many times a sink call is tried before its partition is stopped
 * @param stateDir where stateful projections keep their keyed state: {@code
 *     <stateDir>/<service>.<projection>.v<version>/<partition>}, and scratch checkpoints in {@code
 *     <stateDir>/checkpoints}; unused by stateless projections
 * @param snapshotStore where snapshots of keyed state go; null for a {@link DirectorySnapshotStore}
 *     in {@code <stateDir>/snapshots} (see {@link #snapshots()})
 * @param snapshotPolicy when keyed state is snapshotted (besides every graceful revoke) and how
 *     many snapshots are kept
 * @param parallelism how many partitions of one poll are projected and written at the same time
 *     ({@link #withParallelism})
 */
@Experimental
public record ProjectionSettings(
    String bootstrapServers,
    Map<String, String> kafkaProperties,
    Duration pollTimeout,
    int maxBatchRecords,
    Duration initialBackoff,
    Duration maxBackoff,
    int maxAttempts,
    Path stateDir,
    @Nullable SnapshotStore snapshotStore,
    SnapshotPolicy snapshotPolicy,
    int parallelism) {

  /** @throws IllegalArgumentException naming the setting that is out of range */
  public ProjectionSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    kafkaProperties = Map.copyOf(kafkaProperties);
    requirePositive(pollTimeout, "pollTimeout");
    requirePositive(initialBackoff, "initialBackoff");
    requirePositive(maxBackoff, "maxBackoff");
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") is below initialBackoff ("
          + initialBackoff + "); raise maxBackoff or lower initialBackoff.");
    }
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(snapshotPolicy, "snapshotPolicy");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism (" + parallelism + ") must be at least 1: the number of "
          + "partitions whose batches are projected and written at the same time.");
    }
    if (maxBatchRecords < 1 || maxAttempts < 1) {
      throw new IllegalArgumentException("maxBatchRecords (" + maxBatchRecords + ") and maxAttempts ("
          + maxAttempts + ") must be at least 1.");
    }
  }

  /**
   * @return settings for a broker at {@code bootstrapServers}: polls of up to 100 ms and 2,000 events,
   *     4 partitions at a time, sink retries from 100 ms doubling to 10 s, 10 attempts; keyed state in {@code
   *     <java.io.tmpdir>/tributary-projections} with snapshots beside it by {@link
   *     SnapshotPolicy#defaults()}. Give stateful projections a {@link #withStateDir persistent
   *     directory}: state lost with a temporary directory is rebuilt, but by replaying the log.
   */
  public static ProjectionSettings defaults(String bootstrapServers) {
    return new ProjectionSettings(bootstrapServers, Map.of(), Duration.ofMillis(100), 2000, Duration.ofMillis(100),
        Duration.ofSeconds(10), 10, Path.of(System.getProperty("java.io.tmpdir"), "tributary-projections"), null,
        SnapshotPolicy.defaults(), 4);
  }

  /** @return the snapshot store: the configured one, or a directory store in {@code <stateDir>/snapshots} */
  public SnapshotStore snapshots() {
    return snapshotStore != null ? snapshotStore
        : new DirectorySnapshotStore(stateDir.resolve("snapshots"), Clock.systemUTC());
  }

  public ProjectionSettings withStateDir(Path stateDir) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  /** @return a copy keeping snapshots in {@code snapshotStore}; null for the directory store under the state dir */
  public ProjectionSettings withSnapshotStore(@Nullable SnapshotStore snapshotStore) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  public ProjectionSettings withSnapshotPolicy(SnapshotPolicy snapshotPolicy) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  public ProjectionSettings withKafkaProperties(Map<String, String> kafkaProperties) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  public ProjectionSettings withPollTimeout(Duration pollTimeout) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  public ProjectionSettings withMaxBatchRecords(int maxBatchRecords) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  /** @return a copy that retries transient sink failures from {@code initial}, doubling up to {@code max} */
  public ProjectionSettings withBackoff(Duration initial, Duration max) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initial, max,
        maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  public ProjectionSettings withMaxAttempts(int maxAttempts) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  /**
   * @return a copy that projects and writes the batches of up to {@code parallelism} partitions of
   *     one poll at the same time (each partition still in order, by one thread at a time), so the
   *     store works on one partition's batch while the runner prepares the next
   */
  public ProjectionSettings withParallelism(int parallelism) {
    return new ProjectionSettings(bootstrapServers, kafkaProperties, pollTimeout, maxBatchRecords, initialBackoff,
        maxBackoff, maxAttempts, stateDir, snapshotStore, snapshotPolicy, parallelism);
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " is " + value + "; it must be positive.");
    }
  }
}
