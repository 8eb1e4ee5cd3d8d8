package io.tributary.core.codec;

import io.tributary.core.annotation.Stable;
import io.tributary.core.error.PermanentException;
import org.jspecify.annotations.Nullable;

/** Bytes could not be decoded as the named type, or a type name is unknown. Retrying will not help. */
@Stable
public final class CodecException extends PermanentException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
