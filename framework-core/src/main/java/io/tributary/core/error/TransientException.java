package io.tributary.core.error;

import io.tributary.core.annotation.Stable;
import org.jspecify.annotations.Nullable;

/**
 * A failure that a retry may heal: a broker or sink that cannot be reached, a timeout. Runners retry
 * these with a bounded backoff and report the attempts in metrics.
 */
@Stable
public non-sealed class TransientException extends TributaryException {
  private static final long serialVersionUID = 1L;

  public TransientException(String message) {
    super(message, null);
  }

  public TransientException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  @Override
  public final boolean isTransient() {
    return true;
  }
}
