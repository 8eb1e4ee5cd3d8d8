package io.tributary.runtime;

import io.tributary.core.annotation.Stable;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Maps an aggregate id to its partition, for commands, events, outcomes and state alike. It is
 * Kafka's default for keyed records (murmur2 of the UTF-8 key), so a plain Kafka producer that keys
 * commands by aggregate id lands them on the right partition. A key's partition never changes while
 * the partition count stays the same. Immutable and thread-safe.
 */
@Stable
public final class Partitioner {
  private final int partitions;

  /** @throws IllegalArgumentException if {@code partitions} is less than 1 */
  public Partitioner(int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("A service needs at least 1 partition, not " + partitions + ".");
    }
    this.partitions = partitions;
  }

  /** @return the partition count */
  public int partitions() {
    return partitions;
  }

  /** @return the partition of {@code aggregateId}, in {@code [0, partitions)} */
  public int partitionFor(String aggregateId) {
    return Utils.toPositive(Utils.murmur2(aggregateId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
