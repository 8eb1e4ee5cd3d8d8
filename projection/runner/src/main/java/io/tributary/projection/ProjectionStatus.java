package io.tributary.projection;

import io.tributary.core.annotation.Experimental;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ProjectionRunner} is doing, read at one moment: per assigned partition of the
 * events topic, how far the sink is and what stopped or was parked. A snapshot value; it does not
 * change after it is returned.
 *
 * @param groupId the consumer group, {@code <service>.<projection>.v<version>}
 * @param running false once the runner's thread has ended (closed, or failed: see {@link
 *     ProjectionRunner#failure()})
 * @param partitions the partitions assigned to this runner, by number
 */
@Experimental
public record ProjectionStatus(String groupId, boolean running, SortedMap<Integer, PartitionStatus> partitions) {

  public ProjectionStatus {
    Objects.requireNonNull(groupId, "groupId");
    partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
  }

  /** @return the partitions that are stopped, each with its reason */
  public Map<Integer, String> stopped() {
    Map<Integer, String> stopped = new TreeMap<>();
    partitions.forEach((partition, status) -> {
      if (status.stoppedReason() != null) {
        stopped.put(partition, status.stoppedReason());
      }
    });
    return stopped;
  }

  /** @return the events parked over all assigned partitions since the runner started */
  public long parked() {
    return partitions.values().stream().mapToLong(PartitionStatus::parked).sum();
  }

  /**
   * One assigned partition.
   *
   * @param partition the partition of the events topic
   * @param sinkPosition the offset of the last event the sink holds for this version of the
   *     projection, as last read or written by the runner; empty before the first event
   * @param lag events in the partition after the consumer's position, as of the last poll; -1
   *     while unknown
   * @param stoppedReason why the partition is stopped, or null while it runs
   * @param parked events of the partition this runner parked since it started
   */
  public record PartitionStatus(int partition, OptionalLong sinkPosition, long lag, @Nullable String stoppedReason,
      long parked) {}
}
