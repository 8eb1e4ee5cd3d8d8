package io.tributary.runtime.snapshot;

import java.nio.file.Path;
import java.util.List;

/** A snapshot store that hands every call to another; a test overrides the call it makes fail. */
public abstract class ForwardingSnapshotStore implements SnapshotStore {
  private final SnapshotStore delegate;

  protected ForwardingSnapshotStore(SnapshotStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public SnapshotInfo save(String service, int partition, Path checkpointDir, long eventsOffset,
      long outcomesOffset) {
    return delegate.save(service, partition, checkpointDir, eventsOffset, outcomesOffset);
  }

  @Override
  public List<SnapshotInfo> list(String service, int partition) {
    return delegate.list(service, partition);
  }

  @Override
  public void restore(SnapshotInfo snapshot, Path target) {
    delegate.restore(snapshot, target);
  }

  @Override
  public void retain(String service, int partition, int keep) {
    delegate.retain(service, partition, keep);
  }
}
