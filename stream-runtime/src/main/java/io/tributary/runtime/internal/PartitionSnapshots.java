package io.tributary.runtime.internal;

import io.tributary.runtime.internal.store.PartitionStore;

/** When a partition's snapshots are taken. Called on the task loop's thread. */
public interface PartitionSnapshots {
  /** After a committed batch was written to {@code store}: snapshot if the policy says one is due. */
  void afterBatch(PartitionStore store);

  /** Before a revoked partition's store is closed: snapshot now, so its next owner replays only a tail. */
  void beforeRelease(PartitionStore store);

  /** @return snapshots that are never taken */
  static PartitionSnapshots never() {
    return new PartitionSnapshots() {
      @Override
      public void afterBatch(PartitionStore store) {}

      @Override
      public void beforeRelease(PartitionStore store) {}
    };
  }
}
