package io.tributary.query;

import io.tributary.core.annotation.Experimental;

/**
 * Thrown by a {@link QueryHandler} when the request itself is wrong (a missing id, a limit out of
 * range): the caller gets INVALID_ARGUMENT with this message, which should name the field and the
 * fix. Any other exception of a handler is a failure of the query (INTERNAL).
 */
@Experimental
public final class InvalidQueryException extends IllegalArgumentException {
  public InvalidQueryException(String message) {
    super(message);
  }
}
