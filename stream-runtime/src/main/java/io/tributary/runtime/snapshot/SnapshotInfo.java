package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import java.time.Instant;
import java.util.Objects;

/**
 * A complete snapshot of one partition's state, as listed by a {@link SnapshotStore}.
 *
 * @param service the service the partition belongs to
 * @param partition the partition of the service's topics
 * @param id the snapshot's id, unique within its partition; ids of one partition sort by events
 *     offset, then creation time
 * @param eventsOffset the next offset of {@code events[p]} to replay after restoring it
 * @param outcomesOffset the next offset of {@code outcomes[p]} to replay after restoring it
 * @param createdAt when the snapshot was saved, by the store's clock
 * @param totalBytes the sum of its data files' sizes
 */
@Evolving
public record SnapshotInfo(
    String service,
    int partition,
    String id,
    long eventsOffset,
    long outcomesOffset,
    Instant createdAt,
    long totalBytes) {
  public SnapshotInfo {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdAt, "createdAt");
    if (partition < 0 || eventsOffset < 0 || outcomesOffset < 0 || totalBytes < 0) {
      throw new IllegalArgumentException("Snapshot " + id + " of " + service + " partition "
          + partition + " is invalid: partition (" + partition + "), events offset (" + eventsOffset
          + "), outcomes offset (" + outcomesOffset + ") and size (" + totalBytes
          + ") must all be >= 0.");
    }
    if (id.isBlank()) {
      throw new IllegalArgumentException("Snapshot of " + service + " partition " + partition
          + " has a blank id; every snapshot needs one.");
    }
  }

  @Override
  public String toString() {
    return "snapshot " + id + " of " + service + " partition " + partition + " (events offset "
        + eventsOffset + ", outcomes offset " + outcomesOffset + ")";
  }
}
