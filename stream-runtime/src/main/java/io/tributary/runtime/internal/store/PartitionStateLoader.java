package io.tributary.runtime.internal.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.internal.Futures;
import io.tributary.runtime.snapshot.CorruptSnapshotException;
import io.tributary.runtime.snapshot.SnapshotFormatException;
import io.tributary.runtime.snapshot.SnapshotInfo;
import io.tributary.runtime.snapshot.SnapshotStore;
import io.tributary.runtime.snapshot.SnapshotStoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition's local state on assignment (step 2 of recovery in ADR 0003): the local store if
 * the directory holds one and no snapshot is ahead of it; else the newest snapshot that restores and
 * opens; else an empty store. A snapshot ahead of the local store (one the partition's last owner
 * took when it gave the partition up, after this instance had owned it before) takes the local
 * state's place; if none of those restores, or the snapshot store cannot be read, the local store
 * is used.
 * The caller then replays {@code events[p]} from {@link PartitionStore#eventsOffset()} and {@code
 * outcomes[p]} from {@link PartitionStore#outcomesOffset()} (both 0 for an empty store), so a bad
 * snapshot costs replay time, never data.
 *
 * <p>A snapshot that is corrupt, of a format this build does not read, or does not open as a store
 * is logged as a warning with its id and cause, counted in {@code
 * tributary.snapshot.restore.fallbacks} (tags {@code service}, {@code partition}; one per snapshot
 * given up, so falling from the newest to the next is 1), and the next older one is tried. The time
 * a load takes is recorded in the timer {@code tributary.snapshot.restore.time}.
 *
 * <p>Restores go to the sibling {@code <localDir>.restoring} and are renamed into place only once
 * complete and opened, so a crash mid-restore leaves no half-restored {@code localDir}. Local state
 * that a snapshot replaces is renamed to {@code <localDir>.replaced} first and deleted after.
 *
 * <p>An instance restarted on its state directory (after a crash, say) can have its local stores
 * opened ahead ({@link #openAhead}) while it joins its group: {@link #load} then takes the store
 * opened for its directory instead of opening it, and {@link #closeUnclaimed} closes those of
 * partitions the instance was not given. A store that failed to open ahead fails {@link #load} as
 * opening it there would have.
 *
 * <p>Thread-safe if its {@link SnapshotStore} is; one call per partition at a time.
 */
public final class PartitionStateLoader {
  private static final Logger log = LoggerFactory.getLogger(PartitionStateLoader.class);
  static final String FALLBACKS = "tributary.snapshot.restore.fallbacks";
  static final String RESTORE_TIME = "tributary.snapshot.restore.time";

  private final SnapshotStore snapshots;
  private final MeterRegistry registry;
  private final StoreMemory memory;
  /** Local stores being opened ahead, by their directory's absolute path. */
  private final Map<Path, CompletableFuture<RocksPartitionStore>> openedAhead = new ConcurrentHashMap<>();

  /**
   * @param snapshots where the partitions' snapshots are kept
   * @param registry receives the fallback counter and the restore timer
   */
  public PartitionStateLoader(SnapshotStore snapshots, MeterRegistry registry) {
    this(snapshots, registry, StoreMemory.defaults());
  }

  /**
   * @param snapshots where the partitions' snapshots are kept
   * @param registry receives the fallback counter and the restore timer
   * @param memory the memtable and block cache sizes of every store it opens
   */
  public PartitionStateLoader(SnapshotStore snapshots, MeterRegistry registry, StoreMemory memory) {
    this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.memory = Objects.requireNonNull(memory, "memory");
  }

  /**
   * Starts opening, on {@code executor}, the local store of each partition in {@code localDirs}
   * whose directory holds one; directories without one are left to {@link #load}. Call it before
   * the first {@link #load} of these partitions.
   *
   * @param localDirs the partitions' state directories, by partition
   */
  public void openAhead(Map<Integer, Path> localDirs, Executor executor) {
    localDirs.forEach((partition, localDir) -> {
      try {
        if (StoreFiles.isAbsentOrEmpty(localDir)) {
          return;
        }
      } catch (IOException e) {
        return; // load() meets the same error and reports it
      }
      openedAhead.put(key(localDir),
          CompletableFuture.supplyAsync(() -> RocksPartitionStore.open(localDir, partition, memory), executor));
    });
  }

  /**
   * Closes the stores opened ahead that no {@link #load} took: their partitions went to other
   * instances. Waits for opens under way. A store that failed to open ahead is logged.
   */
  public void closeUnclaimed() {
    for (Path dir : List.copyOf(openedAhead.keySet())) {
      CompletableFuture<RocksPartitionStore> ahead = openedAhead.remove(dir);
      if (ahead == null) {
        continue;
      }
      try {
        ahead.join().close();
        log.debug("Closed the local store in {}, opened ahead for a partition this instance was not given", dir);
      } catch (CompletionException e) {
        log.warn("The local store in {} did not open ahead, and its partition was not given to this instance: {}",
            dir, e.getCause().toString());
      } catch (RuntimeException e) {
        log.warn("Cannot close the local store in {}, opened ahead for a partition this instance was not given",
            dir, e);
      }
    }
  }

  /**
   * @param localDir the partition's state directory; it may be missing
   * @return the opened store; the caller owns and closes it
   * @throws PermanentException if {@code localDir} holds a store that does not open (another
   *     partition's, a newer format, corrupt files): the message says what to do; this is not
   *     healed by falling back, since the local state may be newer than every snapshot
   * @throws SnapshotStoreException if the snapshot store cannot be reached and there is no local
   *     state; retry the assignment
   */
  public PartitionStore load(String service, int partition, Path localDir) {
    Timer.Sample sample = Timer.start(registry);
    try {
      Path absolute = key(localDir);
      Path staging = absolute.resolveSibling(absolute.getFileName() + ".restoring");
      Path replaced = absolute.resolveSibling(absolute.getFileName() + ".replaced");
      StoreFiles.deleteRecursively(staging);
      // left by a crash after the local state was moved aside for a newer snapshot
      StoreFiles.deleteRecursively(replaced);
      CompletableFuture<RocksPartitionStore> ahead = openedAhead.remove(absolute);
      PartitionStore local = null;
      if (ahead != null) {
        log.debug("Taking the local state of {} partition {} in {}, opened ahead", service, partition, localDir);
        local = Futures.join(ahead);
      } else if (!StoreFiles.isAbsentOrEmpty(localDir)) {
        log.debug("Opening the local state of {} partition {} in {}", service, partition, localDir);
        local = RocksPartitionStore.open(localDir, partition, memory);
      }
      if (local != null) {
        return newerSnapshotThan(local, service, localDir, staging, replaced);
      }
      // an empty directory would make the rename of a restored snapshot fail
      Files.deleteIfExists(localDir);
      List<SnapshotInfo> candidates = snapshots.list(service, partition);
      for (SnapshotInfo snapshot : candidates) {
        if (staged(snapshot, staging)) {
          Files.move(staging, localDir, StandardCopyOption.ATOMIC_MOVE);
          log.info("Restored {} partition {} from {}; replaying events from offset {} and outcomes"
              + " from offset {}", service, partition, snapshot, snapshot.eventsOffset(),
              snapshot.outcomesOffset());
          return RocksPartitionStore.open(localDir, partition, memory);
        }
      }
      if (!candidates.isEmpty()) {
        log.warn("None of the {} snapshots of {} partition {} could be restored; starting from an"
            + " empty store and replaying the log from offset 0", candidates.size(),
            service, partition);
      } else {
        log.info("No local state and no snapshot for {} partition {}; starting from an empty store"
            + " and replaying the log from offset 0", service, partition);
      }
      return RocksPartitionStore.open(localDir, partition, memory);
    } catch (IOException e) {
      throw new PermanentException("Cannot prepare the state directory " + localDir + " of "
          + service + " partition " + partition + ": " + e + ". Check that its parent exists and is"
          + " writable.", e);
    } finally {
      sample.stop(Timer.builder(RESTORE_TIME)
          .description("Time to open a partition's state: local store, snapshot restore, or empty")
          .tag("service", service)
          .tag("partition", String.valueOf(partition))
          .register(registry));
    }
  }

  /**
   * The local state, or a snapshot ahead of it, which takes its place. Local state left from an
   * earlier ownership of the partition is behind once another instance owned it: that owner's
   * snapshot, taken when it gave the partition up, leaves only the tail to replay. A local store is
   * never behind a snapshot after a restart in place, since its snapshots are taken from it.
   *
   * @return the store to replay from; the caller owns and closes it
   */
  private PartitionStore newerSnapshotThan(PartitionStore local, String service, Path localDir, Path staging,
      Path replaced) throws IOException {
    int partition = local.partition();
    long localOffset = local.eventsOffset();
    try {
      try {
        List<SnapshotInfo> ahead = snapshots.list(service, partition).stream()
            .filter(snapshot -> snapshot.eventsOffset() > localOffset)
            .toList();
        for (SnapshotInfo snapshot : ahead) {
          if (staged(snapshot, staging)) {
            local.close();
            // the local state stays whole at localDir until the snapshot is ready to take its place
            Files.move(localDir, replaced, StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, localDir, StandardCopyOption.ATOMIC_MOVE);
            StoreFiles.deleteRecursively(replaced);
            log.info("Replaced the local state of {} partition {}, at events offset {}, with the newer {};"
                + " replaying events from offset {} and outcomes from offset {}", service, partition, localOffset,
                snapshot, snapshot.eventsOffset(), snapshot.outcomesOffset());
            return RocksPartitionStore.open(localDir, partition, memory);
          }
        }
      } catch (SnapshotStoreException e) {
        // the local state is whole: the partition replays more of the log, and loses nothing
        log.warn("Cannot read the snapshots of {} partition {}; replaying its events from the local state's"
            + " offset {}, which may be behind a newer snapshot: {}", service, partition, localOffset, e.getMessage());
        StoreFiles.deleteRecursively(staging);
      }
      return local;
    } catch (IOException | RuntimeException | Error e) {
      // the partition stops on this: its store must not stay open and locked (closing twice is fine)
      local.closeAfter(e);
      throw e;
    }
  }

  /**
   * Restores {@code snapshot} into {@code staging} and opens it there once, so a snapshot that does
   * not open never takes the local directory's place.
   *
   * @return whether {@code staging} holds the snapshot, checked; if not, the snapshot was warned
   *     about, counted, and {@code staging} removed
   */
  private boolean staged(SnapshotInfo snapshot, Path staging) throws IOException {
    try {
      snapshots.restore(snapshot, staging);
      try (RocksPartitionStore check = RocksPartitionStore.open(staging, snapshot.partition(),
          memory.withDedupeFilterBytes(0))) { // read once and closed: no filter to build
        if (check.eventsOffset() != snapshot.eventsOffset()
            || check.outcomesOffset() != snapshot.outcomesOffset()) {
          throw new CorruptSnapshotException("The state in " + snapshot + " is at events offset "
              + check.eventsOffset() + " and outcomes offset " + check.outcomesOffset()
              + ", not at those of its manifest");
        }
      }
      return true;
    } catch (PermanentException e) {
      // CorruptSnapshotException, SnapshotFormatException, or a store that does not open
      fallbacks(snapshot).increment();
      if (e instanceof CorruptSnapshotException || e instanceof SnapshotFormatException) {
        // the message names the snapshot, the file, and what was expected and found
        log.warn("Cannot restore snapshot {} of {} partition {}; trying the next older one: {}",
            snapshot.id(), snapshot.service(), snapshot.partition(), e.getMessage());
      } else {
        log.warn("Snapshot {} of {} partition {} restored but does not open as a store; trying the"
            + " next older one", snapshot.id(), snapshot.service(), snapshot.partition(), e);
      }
      try {
        StoreFiles.deleteRecursively(staging);
      } catch (IOException cleanup) {
        cleanup.addSuppressed(e);
        throw cleanup;
      }
      return false;
    }
  }

  private static Path key(Path localDir) {
    return localDir.toAbsolutePath().normalize();
  }

  private Counter fallbacks(SnapshotInfo snapshot) {
    return Counter.builder(FALLBACKS)
        .description("Snapshots given up on restore (corrupt, unreadable, or not opening)")
        .tag("service", snapshot.service())
        .tag("partition", String.valueOf(snapshot.partition()))
        .register(registry);
  }
}
