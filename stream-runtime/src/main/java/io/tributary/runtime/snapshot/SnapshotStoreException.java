package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.TransientException;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot store could not be read or written (disk full, permissions, network). No snapshot was
 * made to look complete by the failed call; a retry may succeed.
 */
@Evolving
public class SnapshotStoreException extends TransientException {
  private static final long serialVersionUID = 1L;

  public SnapshotStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
