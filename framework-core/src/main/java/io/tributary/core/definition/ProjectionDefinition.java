package io.tributary.core.definition;

import io.tributary.core.Projection;
import io.tributary.core.annotation.Experimental;
import java.util.List;
import java.util.Objects;

/**
 * How a service declares a projection: a stable name, a version (a new version is rebuilt from the
 * start of the log beside the old one), the aggregate types whose events it reads, and its handler.
 * Immutable; checked by {@link ServiceDefinition.Builder#build()}.
 *
 * @param name kebab-case, e.g. {@code post-pages}; it names the consumer group and the sink's keys
 * @param version 1 or more
 * @param sources the aggregate types whose events the projection reads
 * @param handler turns each event into updates
 * @param <U> the update type of the projection's sink
 */
@Experimental
public record ProjectionDefinition<U>(String name, int version, List<String> sources, Projection<U> handler) {
  public ProjectionDefinition {
    Objects.requireNonNull(name, "name");
    sources = List.copyOf(sources);
    Objects.requireNonNull(handler, "handler");
  }

  /** @return version 1 of a projection that reads the events of {@code sources} */
  public static <U> ProjectionDefinition<U> of(String name, Projection<U> handler, String... sources) {
    return new ProjectionDefinition<>(name, 1, List.of(sources), handler);
  }

  /** @return a copy with {@code version} */
  public ProjectionDefinition<U> withVersion(int version) {
    return new ProjectionDefinition<>(name, version, sources, handler);
  }
}
