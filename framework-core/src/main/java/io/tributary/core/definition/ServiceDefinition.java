package io.tributary.core.definition;

import io.tributary.core.annotation.Stable;
import io.tributary.core.codec.CodecRegistry;
import io.tributary.core.error.DefinitionException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a service declares: its name, aggregates, projections and queries, and the codecs of
 * every type they use. Built once at start-up by {@link #builder(String)}, which checks the whole
 * definition and reports every problem in one {@link DefinitionException}. Immutable and thread-safe.
 *
 * <pre>{@code
 * ServiceDefinition drivers = ServiceDefinition.builder("drivers")
 *     .aggregate(AggregateDefinition.of("Post", new Post())
 *         .commands(PostCommand.getDefaultInstance())
 *         .events(PostEvent.getDefaultInstance())
 *         .keyedBy(PostCommand::getPostId))
 *     .build();
 * }</pre>
 */
@Stable
public final class ServiceDefinition {
  private final String name;
  private final Map<String, AggregateType<?, ?, ?>> aggregates;
  private final List<ProjectionDefinition<?>> projections;
  private final List<QueryDefinition<?, ?>> queries;
  private final CodecRegistry codecs;

  ServiceDefinition(
      String name,
      Map<String, AggregateType<?, ?, ?>> aggregates,
      List<ProjectionDefinition<?>> projections,
      List<QueryDefinition<?, ?>> queries,
      CodecRegistry codecs) {
    this.name = name;
    this.aggregates = Map.copyOf(aggregates);
    this.projections = List.copyOf(projections);
    this.queries = List.copyOf(queries);
    this.codecs = codecs;
  }

  /** @param name the service name: lowercase, digits and '-'; it prefixes the service's topics */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** @return the service name, e.g. {@code drivers} */
  public String name() {
    return name;
  }

  /** @return the registered aggregate types, sorted by name */
  public List<AggregateType<?, ?, ?>> aggregates() {
    return aggregates.values().stream()
        .<AggregateType<?, ?, ?>>map(type -> type)
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .toList();
  }

  /** @return the aggregate type named {@code type}, if registered */
  public Optional<AggregateType<?, ?, ?>> findAggregate(String type) {
    return Optional.ofNullable(aggregates.get(type));
  }

  /**
   * @return the aggregate type named {@code type}
   * @throws IllegalArgumentException naming the known types and how to register one, if it is unknown
   */
  public AggregateType<?, ?, ?> aggregate(String type) {
    AggregateType<?, ?, ?> found = aggregates.get(type);
    if (found == null) {
      throw new IllegalArgumentException(
          "Unknown aggregate type '" + type + "' in service '" + name + "'; known types: "
              + aggregates().stream().map(AggregateType::name).toList()
              + ". Register it with ServiceDefinition.builder(...).aggregate(AggregateDefinition.of(\""
              + type + "\", ...)).");
    }
    return found;
  }

  /** @return the declared projections, in declaration order */
  public List<ProjectionDefinition<?>> projections() {
    return projections;
  }

  /** @return the declared queries, in declaration order */
  public List<QueryDefinition<?, ?>> queries() {
    return queries;
  }

  /** @return the codec of every command, event, state, query request and response type, by type name */
  public CodecRegistry codecs() {
    return codecs;
  }

  @Override
  public String toString() {
    return "ServiceDefinition[" + name + ", aggregates=" + aggregates.keySet() + "]";
  }

  /** Collects declarations; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final List<AggregateDefinition<?, ?, ?>> aggregates = new ArrayList<>();
    private final List<ProjectionDefinition<?>> projections = new ArrayList<>();
    private final List<QueryDefinition<?, ?>> queries = new ArrayList<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Declares an aggregate. */
    public Builder aggregate(AggregateDefinition<?, ?, ?> definition) {
      aggregates.add(Objects.requireNonNull(definition, "definition"));
      return this;
    }

    /** Declares several aggregates. */
    public Builder aggregates(Collection<? extends AggregateDefinition<?, ?, ?>> definitions) {
      definitions.forEach(this::aggregate);
      return this;
    }

    /** Declares a projection. */
    public Builder projection(ProjectionDefinition<?> definition) {
      projections.add(Objects.requireNonNull(definition, "definition"));
      return this;
    }

    /** Declares a query. */
    public Builder query(QueryDefinition<?, ?> definition) {
      queries.add(Objects.requireNonNull(definition, "definition"));
      return this;
    }

    /**
     * Checks the whole definition.
     *
     * @throws DefinitionException listing every problem with its fix: an invalid name, a type
     *     declared twice, a missing codec or key, two codecs under one type name, a projection over
     *     an unknown aggregate
     */
    public ServiceDefinition build() {
      return new DefinitionChecks(name, aggregates, projections, queries).check();
    }
  }
}
