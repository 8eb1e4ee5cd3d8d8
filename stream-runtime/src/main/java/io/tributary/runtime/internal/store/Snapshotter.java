package io.tributary.runtime.internal.store;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.internal.Futures;
import io.tributary.runtime.snapshot.SnapshotInfo;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import io.tributary.runtime.snapshot.SnapshotStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes snapshots of a service's partition stores when its {@link SnapshotPolicy} says one is due:
 * a RocksDB checkpoint into a scratch directory, a {@link SnapshotStore#save} of it, retention, and
 * the removal of the scratch checkpoint.
 *
 * <p>The checkpoint must see the store between two batches. The calling (task loop) thread asks
 * the store for it ({@link PartitionStore#checkpointWhenWritten}): a pipelined store writes it on
 * its writer thread behind the batches applied so far, so the loop does not wait while RocksDB
 * flushes its memtable for it (tens of milliseconds); a plain store writes it at once. What follows
 * (the save, retention, and the removal of the checkpoint) runs on the {@code saves} executor given
 * to the constructor, once the checkpoint is written. One save per
 * partition is under way at a time: {@link #maybeSnapshot} takes no new one while the last has not
 * finished, learns how it ended on its next call (a failure is thrown then), and {@link
 * #snapshotNow} waits for the last one and for its own. Without an executor everything runs on the
 * calling thread, as before.
 *
 * <p>Per partition it tracks when the last snapshot was taken and at which events offset; on the
 * first call for a partition both come from the newest snapshot in the store (none: due as soon as
 * enough events were applied; see {@link #firstSnapshotEvents}). Metrics, tagged {@code service}
 * and {@code partition}: the timer {@code tributary.snapshot.save.time} (checkpoint, save and
 * retention) and the gauge {@code tributary.snapshot.last.timestamp} (epoch seconds of the last
 * snapshot; NaN before the first).
 *
 * <p>Thread-safe across partitions: each partition is called from the one task loop thread that
 * owns it at the time (the saves run on the executor, and touch only the snapshot store and their
 * checkpoint).
 */
public final class Snapshotter {
  private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
  static final String SAVE_TIME = "tributary.snapshot.save.time";
  static final String LAST_TIMESTAMP = "tributary.snapshot.last.timestamp";

  private final String service;
  private final SnapshotStore snapshots;
  private final SnapshotPolicy policy;
  private final Path workDir;
  private final MeterRegistry registry;
  private final @Nullable Executor saves;
  private final Map<Integer, Progress> progress = new ConcurrentHashMap<>();

  /** When a partition was last snapshotted; read by the gauge from the metrics thread. */
  private static final class Progress {
    private @Nullable Instant lastAt;
    private long eventsAtLast;
    private volatile double lastEpochSeconds = Double.NaN;
    private @Nullable Gauge gauge;
    private @Nullable PendingSave pending;

    void snapshotTaken(Instant at, long eventsApplied) {
      lastAt = at;
      eventsAtLast = eventsApplied;
      lastEpochSeconds = at.toEpochMilli() / 1000.0;
    }
  }

  /** A save started on the executor, with what the partition's progress becomes when it succeeds. */
  private record PendingSave(CompletableFuture<Saved> save, Instant at, long eventsApplied) {}

  /** A saved snapshot, and the failure of pruning older ones after it, if pruning failed. */
  private record Saved(SnapshotInfo info, @Nullable RuntimeException pruneFailure) {}

  /**
   * A snapshotter that saves on the calling thread.
   *
   * @param workDir scratch space for checkpoints, on the same file system as the partition stores
   *     so RocksDB can hard-link their files; created if needed
   */
  public Snapshotter(String service, SnapshotStore snapshots, SnapshotPolicy policy, Path workDir,
      MeterRegistry registry) {
    this(service, snapshots, policy, workDir, registry, null);
  }

  /**
   * A snapshotter that saves on {@code saves}, off the calling thread.
   *
   * @param workDir as {@link #Snapshotter(String, SnapshotStore, SnapshotPolicy, Path,
   *     MeterRegistry)}
   * @param saves runs the saves; at most one per partition is under way at a time. {@code null}:
   *     save on the calling thread
   */
  public Snapshotter(String service, SnapshotStore snapshots, SnapshotPolicy policy, Path workDir,
      MeterRegistry registry, @Nullable Executor saves) {
    this.service = Objects.requireNonNull(service, "service");
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.workDir = Objects.requireNonNull(workDir, "workDir");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.saves = saves;
  }

  /**
   * Takes a snapshot of {@code store} if one is due: at least {@link SnapshotPolicy#interval()}
   * since the partition's last one and at least {@link SnapshotPolicy#minEventsBetween()} events
   * applied since.
   *
   * @param now the task loop's clock reading
   * @param eventsApplied how far the partition's events are applied, in the units of {@link
   *     SnapshotInfo#eventsOffset()}: normally {@code store.eventsOffset()} after the last batch
   * @return {@code true} if a snapshot was taken (with an executor: its save was started)
   * @throws io.tributary.runtime.snapshot.SnapshotStoreException if the snapshot store cannot be
   *     written (with an executor: the previous save of the partition failed so); the partition's
   *     state is unaffected and the next call tries again, so the caller may log it and carry on
   *     (the Kafka log still holds every event)
   * @throws PermanentException if the checkpoint cannot be written to {@code workDir}
   */
  public boolean maybeSnapshot(PartitionStore store, Instant now, long eventsApplied) {
    Progress partition = progress.computeIfAbsent(store.partition(), this::startTracking);
    if (partition.pending != null && !partition.pending.save().isDone()) {
      return false; // the last save is still under way
    }
    settle(partition);
    boolean intervalPassed = partition.lastAt == null
        || !now.isBefore(partition.lastAt.plus(policy.interval()));
    long eventsBetween = partition.lastAt == null ? firstSnapshotEvents(store.partition()) : policy.minEventsBetween();
    boolean enoughEvents = eventsApplied - partition.eventsAtLast >= eventsBetween;
    if (!intervalPassed || !enoughEvents) {
      return false;
    }
    snapshot(store, partition, now, eventsApplied);
    return true;
  }

  /**
   * @return the events a partition that has no snapshot yet applies before its first: {@link
   *     SnapshotPolicy#minEventsBetween()}, plus up to as many again, spread over the partitions
   *     (partition 0 none). A new service's partitions fill at about the same pace, and their first
   *     snapshots, all due at once, took the task loop's checkpoints and the saves' copies in one burst.
   */
  private long firstSnapshotEvents(int partition) {
    double spread = (partition * 0.6180339887498949) % 1.0; // the golden ratio spreads any number of partitions
    return policy.minEventsBetween() + (long) (policy.minEventsBetween() * spread);
  }

  /**
   * Takes a snapshot of {@code store} now, whatever the policy says: before a revoked partition is
   * closed, so that its next owner replays only what comes after.
   *
   * @throws io.tributary.runtime.snapshot.SnapshotStoreException as {@link #maybeSnapshot}
   * @throws PermanentException as {@link #maybeSnapshot}
   */
  public void snapshotNow(PartitionStore store, Instant now) {
    Progress partition = progress.computeIfAbsent(store.partition(), this::startTracking);
    settle(partition);
    if (store.eventsOffset() == partition.eventsAtLast) {
      return; // nothing applied since the last snapshot
    }
    snapshot(store, partition, now, store.eventsOffset());
    settle(partition);
  }

  /**
   * Stops tracking a partition that was revoked, and removes its gauge. A save still under way is
   * waited for; its failure was or will be reported by the caller of {@link #snapshotNow}.
   */
  public void forget(int partition) {
    Progress removed = progress.remove(partition);
    if (removed != null && removed.pending != null) {
      removed.pending.save().handle((info, failure) -> null).join();
    }
    if (removed != null && removed.gauge != null) {
      registry.remove(removed.gauge);
    }
  }

  private void snapshot(PartitionStore store, Progress partition, Instant now, long eventsApplied) {
    int p = store.partition();
    Path checkpoint = workDir.resolve("checkpoint-" + service + "-p" + p);
    Timer.Sample sample = Timer.start(registry);
    // the checkpoint holds every change applied so far and no later one, so it is at the offsets read here
    long eventsOffset = store.eventsOffset();
    long outcomesOffset = store.outcomesOffset();
    CompletableFuture<Void> checkpointed;
    try {
      deleteCheckpoint(checkpoint); // a leftover of a crash mid-snapshot
      // a pipelined store writes it on its writer thread, after the writes queued before it
      checkpointed = store.checkpointWhenWritten(checkpoint);
    } catch (RuntimeException | Error e) {
      stopTimer(sample, p);
      throw e;
    }
    Supplier<Saved> save = () -> {
      try {
        Futures.join(checkpointed);
      } catch (RuntimeException | Error e) {
        stopTimer(sample, p);
        throw e;
      }
      return save(p, checkpoint, eventsOffset, outcomesOffset, sample);
    };
    CompletableFuture<Saved> saved;
    if (saves == null) {
      saved = new CompletableFuture<>();
      try {
        saved.complete(save.get());
      } catch (RuntimeException | Error e) {
        saved.completeExceptionally(e);
      }
    } else {
      saved = CompletableFuture.supplyAsync(save, saves);
    }
    partition.pending = new PendingSave(saved, now, eventsApplied);
    if (saves == null) {
      settle(partition);
    }
  }

  /** Saves a taken checkpoint, prunes old snapshots and removes the checkpoint; on the saving thread. */
  private Saved save(int p, Path checkpoint, long eventsOffset, long outcomesOffset, Timer.Sample sample) {
    SnapshotInfo info;
    RuntimeException pruneFailure = null;
    try {
      info = snapshots.save(service, p, checkpoint, eventsOffset, outcomesOffset);
      log.info("Saved {} ({} bytes)", info, info.totalBytes());
      try {
        snapshots.retain(service, p, policy.retained());
      } catch (RuntimeException e) {
        pruneFailure = e; // the snapshot counts as taken; the caller hears of the failure
      }
    } catch (RuntimeException | Error e) {
      try {
        deleteCheckpoint(checkpoint);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    } finally {
      stopTimer(sample, p);
    }
    try {
      deleteCheckpoint(checkpoint);
    } catch (PermanentException e) {
      // the snapshot is saved; the next snapshot removes this leftover before it starts
      log.warn("Saved the snapshot of {} partition {}, but cannot remove its scratch checkpoint: {}",
          service, p, e.getMessage());
    }
    return new Saved(info, pruneFailure);
  }

  /**
   * Waits for the partition's save under way, if any, and records its success in the progress; a
   * failure is thrown as it was thrown by the save.
   */
  private void settle(Progress partition) {
    PendingSave pending = partition.pending;
    if (pending == null) {
      return;
    }
    partition.pending = null;
    Saved saved = Futures.join(pending.save());
    partition.snapshotTaken(pending.at(), pending.eventsApplied());
    if (saved.pruneFailure() != null) {
      throw saved.pruneFailure();
    }
  }

  private void stopTimer(Timer.Sample sample, int p) {
    sample.stop(Timer.builder(SAVE_TIME)
        .description("Time to checkpoint, save and prune a partition's snapshot")
        .tag("service", service)
        .tag("partition", String.valueOf(p))
        .register(registry));
  }

  private void deleteCheckpoint(Path checkpoint) {
    try {
      StoreFiles.deleteRecursively(checkpoint);
    } catch (IOException e) {
      throw new PermanentException("Cannot remove the scratch checkpoint " + checkpoint + ": " + e
          + ". Check the permissions of " + workDir + ", or delete the directory by hand.", e);
    }
  }

  private Progress startTracking(int partition) {
    Progress tracked = new Progress();
    List<SnapshotInfo> existing = snapshots.list(service, partition);
    if (!existing.isEmpty()) {
      tracked.snapshotTaken(existing.get(0).createdAt(), existing.get(0).eventsOffset());
    }
    // one Snapshotter tracks a partition at a time; a new one (after a restart of the task loop)
    // takes the gauge over, which would otherwise keep reporting the old one's state
    Gauge previous = registry.find(LAST_TIMESTAMP)
        .tag("service", service)
        .tag("partition", String.valueOf(partition))
        .gauge();
    if (previous != null) {
      registry.remove(previous);
    }
    tracked.gauge = Gauge.builder(LAST_TIMESTAMP, tracked, state -> state.lastEpochSeconds)
        .description("When the partition's last snapshot was taken, in epoch seconds")
        .baseUnit("seconds")
        .tag("service", service)
        .tag("partition", String.valueOf(partition))
        .register(registry);
    return tracked;
  }
}
