package io.tributary.runtime.internal;

import io.tributary.runtime.internal.store.PartitionStore;

/** Takes a partition's snapshot when its policy says one is due. Called on the task loop's thread after each committed batch. */
@FunctionalInterface
public interface PartitionSnapshots {
  /**
   * @param eventsAppended the events the batch just appended to the partition
   * @param faults where a test may simulate a crash in the middle of a snapshot
   */
  void maybeSnapshot(PartitionStore store, long eventsAppended, FaultInjector faults);

  /** @return a policy that never snapshots */
  static PartitionSnapshots never() {
    return (store, events, faults) -> {};
  }
}
