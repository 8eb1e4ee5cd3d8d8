package io.tributary.core.error;

import io.tributary.core.annotation.Stable;
import org.jspecify.annotations.Nullable;

/**
 * A failure that a retry will not heal: a bad definition, a corrupt file, an unknown type, a bug.
 * It stops the affected partition (or parks the record, where a projection opted in); it is never
 * skipped silently.
 */
@Stable
public non-sealed class PermanentException extends TributaryException {
  private static final long serialVersionUID = 1L;

  public PermanentException(String message) {
    super(message, null);
  }

  public PermanentException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  @Override
  public final boolean isTransient() {
    return false;
  }
}
