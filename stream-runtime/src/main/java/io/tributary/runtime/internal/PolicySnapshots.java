package io.tributary.runtime.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.Snapshotter;
import io.tributary.runtime.snapshot.SnapshotStoreException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots by a {@link io.tributary.runtime.snapshot.SnapshotPolicy}, and on every graceful
 * revocation. A snapshot store that cannot be written is a warning and a metric, not a failure:
 * the events topic still holds every event, so a later owner replays more, but loses nothing.
 */
public final class PolicySnapshots implements PartitionSnapshots {
  private static final Logger log = LoggerFactory.getLogger(PolicySnapshots.class);

  private final Snapshotter snapshotter;
  private final Clock clock;
  private final Counter failures;

  public PolicySnapshots(String service, Snapshotter snapshotter, Clock clock, MeterRegistry meters) {
    this.snapshotter = snapshotter;
    this.clock = clock;
    this.failures = Counter.builder("tributary.snapshot.failures").tag("service", service).register(meters);
  }

  @Override
  public void afterBatch(PartitionStore store) {
    try {
      snapshotter.maybeSnapshot(store, clock.instant(), store.eventsOffset());
    } catch (SnapshotStoreException | PermanentException e) {
      // a checkpoint the store cannot take (a full scratch disk) costs the next owner a longer
      // replay; it must not stop the loop while it writes the partitions' committed batches
      failed(store, e);
    }
  }

  @Override
  public void beforeRelease(PartitionStore store) {
    try {
      snapshotter.snapshotNow(store, clock.instant());
    } catch (SnapshotStoreException | PermanentException e) {
      failed(store, e);
    } finally {
      snapshotter.forget(store.partition());
    }
  }

  private void failed(PartitionStore store, RuntimeException e) {
    failures.increment();
    log.warn("Snapshot of partition {} failed; the next owner replays more of the log: {}", store.partition(),
        e.getMessage(), e);
  }
}
