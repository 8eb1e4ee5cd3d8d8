package io.tributary.projection.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.projection.ProjectionSettings;
import io.tributary.runtime.internal.PartitionSnapshots;
import io.tributary.runtime.internal.PolicySnapshots;
import io.tributary.runtime.internal.store.PartitionStateLoader;
import io.tributary.runtime.internal.store.Snapshotter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The keyed state stores of a stateful projection's assigned partitions, in {@code
 * <stateDir>/<service>.<projection>.v<version>/<partition>}. Opening goes through the command
 * side's {@link PartitionStateLoader} (the local store, else the newest snapshot that restores,
 * else an empty store); snapshots through its {@link Snapshotter} under the service name {@code
 * <service>.<projection>.v<version>}, by the settings' policy after each batch and on every
 * graceful revoke. Opened and released by the runner's thread; {@link #afterBatch} is called by the
 * threads that write the partitions' batches, one at a time.
 */
public final class KeyedStates implements AutoCloseable {
  private final String storeName;
  private final Path dir;
  private final PartitionStateLoader loader;
  private final PartitionSnapshots snapshots;
  private final Map<Integer, PartitionState> open = new HashMap<>();

  KeyedStates(String storeName, Path dir, PartitionStateLoader loader, PartitionSnapshots snapshots) {
    this.storeName = storeName;
    this.dir = dir;
    this.loader = loader;
    this.snapshots = snapshots;
  }

  /** @param storeName {@code <service>.<projection>.v<version>} */
  public static KeyedStates create(String storeName, ProjectionSettings settings, MeterRegistry meters, Clock clock) {
    Snapshotter snapshotter = new Snapshotter(storeName, settings.snapshots(), settings.snapshotPolicy(),
        settings.stateDir().resolve("checkpoints"), meters);
    return new KeyedStates(storeName, settings.stateDir().resolve(storeName),
        new PartitionStateLoader(settings.snapshots(), meters), new PolicySnapshots(storeName, snapshotter, clock, meters));
  }

  /**
   * Opens the state of {@code partition}.
   *
   * @throws io.tributary.core.error.PermanentException if the local store does not open (the message says what to do)
   * @throws io.tributary.runtime.snapshot.SnapshotStoreException if the snapshot store cannot be read
   */
  public PartitionState open(int partition) {
    PartitionState state = new PartitionState(loader.load(storeName, partition, dir.resolve(String.valueOf(partition))));
    PartitionState previous = open.put(partition, state);
    if (previous != null) {
      previous.close();
    }
    return state;
  }

  /** @return the open state of {@code partition}, or null if it is not open */
  public @Nullable PartitionState get(int partition) {
    return open.get(partition);
  }

  /** After a batch was written: a snapshot if the policy says one is due; a failed snapshot is a warning. */
  public synchronized void afterBatch(PartitionState state) {
    snapshots.afterBatch(state.store());
  }

  /**
   * Closes the state of {@code partition}, after a snapshot if {@code snapshot} (a graceful revoke;
   * not when the partition was lost or the runner crashed, as the state may be stale or half-done).
   */
  public void release(int partition, boolean snapshot) {
    PartitionState state = open.remove(partition);
    if (state == null) {
      return;
    }
    try {
      if (snapshot) {
        snapshots.beforeRelease(state.store());
      }
    } finally {
      state.close();
    }
  }

  /** Closes every open state without a snapshot; keeps the first failure, the others suppressed. */
  @Override
  public void close() {
    RuntimeException failed = null;
    for (Integer partition : List.copyOf(open.keySet())) {
      try {
        release(partition, false);
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }
}
