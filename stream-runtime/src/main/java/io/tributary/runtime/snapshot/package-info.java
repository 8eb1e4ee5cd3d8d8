/**
 * Snapshots of partition state: RocksDB checkpoints kept in a {@link io.tributary.runtime.snapshot.SnapshotStore}
 * (a directory now; the interface admits an object store), so a restarted or moved partition
 * replays only the tail of its events.
 */
@NullMarked
package io.tributary.runtime.snapshot;

import org.jspecify.annotations.NullMarked;
