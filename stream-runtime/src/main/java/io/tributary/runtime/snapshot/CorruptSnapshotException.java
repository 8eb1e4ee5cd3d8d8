package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot cannot be trusted: a file is missing, has another size or checksum than its manifest
 * says, or the manifest itself is damaged. The message names the snapshot, the file, and what was
 * expected and found. Retrying the same snapshot will not help; restore an older one or replay the
 * partition's events from the start.
 */
@Evolving
public class CorruptSnapshotException extends PermanentException {
  private static final long serialVersionUID = 1L;

  public CorruptSnapshotException(String message) {
    super(message);
  }

  public CorruptSnapshotException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
