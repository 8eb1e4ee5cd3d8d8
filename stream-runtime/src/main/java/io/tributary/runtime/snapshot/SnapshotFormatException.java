package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;

/**
 * A snapshot's manifest is of a format this build does not read, typically a newer one written by a
 * newer build during a rolling upgrade. The message names the snapshot, its format and the formats
 * this build reads. Restore it with a build that reads that format, or use an older snapshot.
 */
@Evolving
public class SnapshotFormatException extends PermanentException {
  private static final long serialVersionUID = 1L;

  public SnapshotFormatException(String message) {
    super(message);
  }
}
