package io.tributary.query;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.definition.QueryDefinition;
import java.util.List;
import java.util.Objects;

/**
 * A typed query as the query engine serves it: its declaration, the projections it reads (the
 * engine waits for each of them to reach the caller's token), and its handler.
 *
 * @param definition the query declared in the service definition
 * @param projections the projections the handler reads; at least one, each kept in a store the
 *     engine knows
 * @param handler answers the query
 */
@Experimental
public record RegisteredQuery<Q extends Message, R extends Message>(
    QueryDefinition<Q, R> definition, List<String> projections, QueryHandler<Q, R> handler) {

  /** @throws IllegalArgumentException if no projection is named, or one is named twice */
  public RegisteredQuery {
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(handler, "handler");
    projections = List.copyOf(projections);
    if (projections.isEmpty()) {
      throw new IllegalArgumentException("Query '" + definition.name() + "' reads no projection: name the"
          + " projections its handler reads, so the engine can wait for them to reach the caller's token.");
    }
    if (projections.stream().distinct().count() != projections.size()) {
      throw new IllegalArgumentException("Query '" + definition.name() + "' names a projection twice: " + projections);
    }
  }

  /** @return {@code definition} answered by {@code handler}, reading {@code projections} */
  public static <Q extends Message, R extends Message> RegisteredQuery<Q, R> of(
      QueryDefinition<Q, R> definition, QueryHandler<Q, R> handler, String... projections) {
    return new RegisteredQuery<>(definition, List.of(projections), handler);
  }

  /** @return the query's name */
  public String name() {
    return definition.name();
  }
}
