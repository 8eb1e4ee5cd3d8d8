package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import java.util.List;
import java.util.Objects;

/**
 * A query's response and the positions of the views it read.
 *
 * @param response the handler's response
 * @param positions per projection read (at its live version) and partition, the position held
 *     before the handler ran: a lower bound of the events the response reflects; sorted by
 *     projection, then partition
 * @param <R> the response type
 */
@Experimental
public record QueryResult<R>(R response, List<ViewPosition> positions) {
  public QueryResult {
    Objects.requireNonNull(response, "response");
    positions = List.copyOf(positions);
  }
}
