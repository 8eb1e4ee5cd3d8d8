package io.tributary.runtime.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.internal.store.PartitionStateLoader;
import io.tributary.runtime.internal.store.PartitionStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions one task loop decides: each one's store, restored and replayed when the partition
 * is assigned, and its state cache; and the partitions stopped by a permanent failure. Changed by
 * the task loop's thread only; {@link #ownedNow}, {@link #stoppedNow}, {@link #stateCacheBytes} and {@link
 * #dedupeFilterBytes} may be read from any thread.
 */
final class OwnedPartitions {
  private static final Logger log = LoggerFactory.getLogger(OwnedPartitions.class);

  /** A partition the loop decides: its store (writes pipelined on the writer) and its state cache. */
  record Owned(PipelinedStore store, StateCache states) {}

  private final String service;
  private final RuntimeSettings settings;
  private final PartitionStateLoader loader;
  private final PartitionSnapshots snapshots;
  private final Executor storeWriter;
  private final Counter replayedEvents;
  private final Timer restoreTime;
  private final Timer storeQueueWaits;
  /** Changed by the task loop's thread; concurrent so that {@link #ownedNow} reads it from any thread. */
  private final Map<Integer, Owned> partitions = new ConcurrentHashMap<>();
  /** The restored partitions the loop serves in full: see {@link #serving}. */
  private final Set<Integer> serving = ConcurrentHashMap.newKeySet();
  private final Map<Integer, String> stopped = new ConcurrentHashMap<>();

  /** @param storeWriter writes the committed batches of every partition here; see {@link PipelinedStore} */
  OwnedPartitions(String service, RuntimeSettings settings, PartitionStateLoader loader, PartitionSnapshots snapshots,
      Executor storeWriter, MeterRegistry meters) {
    this.service = service;
    this.settings = settings;
    this.loader = loader;
    this.snapshots = snapshots;
    this.storeWriter = storeWriter;
    this.replayedEvents = Counter.builder("tributary.replay.events").tag("service", service).register(meters);
    this.restoreTime = Timer.builder("tributary.restore.time").tag("service", service).register(meters);
    this.storeQueueWaits = Timer.builder(PipelinedStore.QUEUE_WAIT).tag("service", service).register(meters);
  }

  /** @return the partition, or null if it is not owned (not assigned, or stopped) */
  @Nullable Owned get(int partition) {
    return partitions.get(partition);
  }

  /**
   * Loads the partition's store (local, else from a snapshot, else empty) and replays the tail of its
   * events and outcomes.
   *
   * @return whether the partition is owned now; if not, it is stopped with the reason, and the
   *     caller must not read its commands
   */
  boolean restore(int partition, Replayer replayer) {
    long started = System.nanoTime();
    PartitionStore store = loader.load(service, partition, settings.stateDir().resolve("p-" + partition));
    try {
      Replayer.Replayed replayed = replayer.replay(store, replayedEvents::increment);
      partitions.put(partition, new Owned(new PipelinedStore(store, storeWriter, storeQueueWaits),
          new StateCache(settings.stateCacheBytes())));
      stopped.remove(partition);
      log.info("{} partition {}: restored, replayed {} events and {} outcomes in {} ms", service, partition,
          replayed.events(), replayed.outcomes(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return true;
    } catch (PermanentException e) {
      store.close();
      stopped.put(partition, e.getMessage());
      log.error("{} partition {} stopped: {}", service, partition, e.getMessage());
      return false;
    } catch (RuntimeException | Error e) {
      // the loop stops on this; the store must not stay open and locked for the next start in this JVM
      store.closeAfter(e);
      throw e;
    } finally {
      restoreTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Gives the partition up: its state cache is dropped and its store closed, after a snapshot if
   * {@code snapshot} (a graceful revocation; not for a lost partition, whose state may be stale).
   */
  void release(int partition, boolean snapshot) {
    serving.remove(partition);
    Owned released = partitions.remove(partition);
    if (released != null) {
      try {
        if (snapshot) {
          snapshots.beforeRelease(released.store());
        }
      } finally {
        released.store().close();
      }
    }
  }

  /**
   * Closes every owned partition's store, each even when an earlier one failed.
   *
   * @throws RuntimeException the first failure, the others suppressed
   */
  void closeAll() {
    RuntimeException failed = null;
    for (Owned partition : partitions.values()) {
      try {
        partition.store().close();
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    serving.clear();
    partitions.clear();
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Marks a restored partition as served in full, once the loop has taken what else it needs (the
   * commands the gateway hands over, the outcome reader told): from here {@link #ownedNow} lists it.
   */
  void serving(int partition) {
    if (partitions.containsKey(partition)) {
      serving.add(partition);
    }
  }

  /** @return what the state caches of the owned partitions weigh together ({@link StateCache#weight}) */
  double stateCacheBytes() {
    return partitions.values().stream().mapToLong(owned -> owned.states().bytes()).sum();
  }

  /** @return what the filters of command ids of the owned partitions' stores take together */
  double dedupeFilterBytes() {
    return partitions.values().stream().mapToLong(owned -> owned.store().dedupeFilterBytes()).sum();
  }

  /** @return the partitions owned and served in full now */
  Set<Integer> ownedNow() {
    return Set.copyOf(serving);
  }

  /** @return the partitions stopped by a permanent failure, with the reason */
  Map<Integer, String> stoppedNow() {
    return Map.copyOf(stopped);
  }
}
