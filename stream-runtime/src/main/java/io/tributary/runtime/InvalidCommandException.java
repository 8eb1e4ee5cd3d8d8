package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;

/**
 * A command was refused at the edge and never reached the log: an unknown aggregate type, a missing
 * id, a payload that does not parse or is over the size limit. The message names the problem and
 * the fix; the gRPC API answers {@code INVALID_ARGUMENT} with it.
 */
@Evolving
public final class InvalidCommandException extends PermanentException {
  private static final long serialVersionUID = 1L;

  public InvalidCommandException(String message) {
    super(message);
  }

  public InvalidCommandException(String message, Throwable cause) {
    super(message, cause);
  }
}
