package io.tributary.core.error;

import io.tributary.core.annotation.Stable;
import org.jspecify.annotations.Nullable;

/**
 * Base of every failure Tributary throws. Each failure is either {@link TransientException} (a
 * retry may succeed) or {@link PermanentException} (it will not); callers decide by type, never by
 * message text.
 */
@Stable
public abstract sealed class TributaryException extends RuntimeException
    permits TransientException, PermanentException {
  private static final long serialVersionUID = 1L;

  protected TributaryException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /** @return {@code true} if retrying the same operation may succeed */
  public abstract boolean isTransient();
}
