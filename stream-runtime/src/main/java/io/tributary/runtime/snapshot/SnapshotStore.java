package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps snapshots of partition state (RocksDB checkpoints) outside the instance that owns the
 * partition, so a restarted or moved partition replays only the tail of its events.
 *
 * <p>A snapshot is a set of data files plus a manifest (offsets, file names, sizes, CRC-32C), and
 * the manifest is written last, atomically: a save that dies midway leaves no snapshot that looks
 * complete, and {@link #list} never returns it. Implementations keep one directory-like namespace
 * per service and partition.
 *
 * <p>Threading: implementations are thread-safe for different partitions. One partition has one
 * writer at a time (its owner), which calls {@link #save} and {@link #retain} in turn.
 *
 * <p>Failures: {@link SnapshotStoreException} (transient) when the store cannot be reached, read or
 * written; {@link CorruptSnapshotException} and {@link SnapshotFormatException} (permanent) when a
 * snapshot's content cannot be trusted or read; the caller then falls back to an older snapshot or
 * to a full replay.
 */
@Evolving
public interface SnapshotStore {
  /**
   * Copies every regular file of {@code checkpointDir} (recursively, with its relative name) into a
   * new snapshot, then writes its manifest last.
   *
   * @param checkpointDir a consistent, closed copy of the partition state; it is only read
   * @param eventsOffset the next offset of {@code events[p]} not contained in the checkpoint
   * @param outcomesOffset the next offset of {@code outcomes[p]} not contained in the checkpoint
   * @return the complete snapshot
   * @throws IllegalArgumentException if a name or value is invalid, or {@code checkpointDir} is not
   *     a directory
   * @throws SnapshotStoreException if a file cannot be read or written; no complete snapshot was
   *     created, and the caller may try again later
   */
  SnapshotInfo save(String service, int partition, Path checkpointDir, long eventsOffset,
      long outcomesOffset);

  /**
   * Lists the complete snapshots of a partition: those whose manifest exists and parses. A manifest
   * that exists but cannot be read is skipped with a warning in the log, never silently.
   *
   * @return the snapshots, newest first (highest events offset, then latest creation time); empty
   *     when there are none
   * @throws SnapshotStoreException if the store cannot be listed
   */
  List<SnapshotInfo> list(String service, int partition);

  /**
   * Copies {@code snapshot} into the new directory {@code target}, checking each file's size and
   * CRC-32C against the manifest. On any failure {@code target} is removed again.
   *
   * @param target a directory that does not exist yet; its parent is created if needed
   * @throws IllegalArgumentException if {@code target} exists
   * @throws CorruptSnapshotException if a file is missing or differs from the manifest, or the
   *     manifest is corrupt; try an older snapshot
   * @throws SnapshotFormatException if the manifest is of a newer format; use a newer build or an
   *     older snapshot
   * @throws SnapshotStoreException if the store or {@code target} cannot be read or written
   */
  void restore(SnapshotInfo snapshot, Path target);

  /**
   * Deletes all but the newest {@code keep} complete snapshots of a partition, and leftovers of
   * saves that died before the newest kept snapshot was saved. Snapshots whose manifest cannot be
   * read are kept (a newer build may read them) and logged.
   *
   * @param keep how many to keep, at least 1
   * @throws SnapshotStoreException if a snapshot cannot be deleted; retrying is safe
   */
  void retain(String service, int partition, int keep);
}
