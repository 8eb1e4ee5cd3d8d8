package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import io.tributary.core.error.PermanentException;

/**
 * A query's handler threw something other than a {@link io.tributary.core.error.TransientException}:
 * a bug in the handler or views it does not expect. The cause is the handler's exception (gRPC:
 * INTERNAL, naming the query).
 */
@Experimental
public final class QueryFailedException extends PermanentException {
  private static final long serialVersionUID = 1L;

  private final String query;

  public QueryFailedException(String query, Throwable cause) {
    super("Query '" + query + "' failed in its handler: " + cause
        + ". Fix the handler or the views it reads; the server log has the stack trace.", cause);
    this.query = query;
  }

  /** @return the query's name */
  public String query() {
    return query;
  }
}
