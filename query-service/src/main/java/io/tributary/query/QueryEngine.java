package io.tributary.query;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.codec.CodecException;
import io.tributary.core.definition.QueryDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.DefinitionException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.elasticsearch.ElasticsearchViewReader;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.sink.SourcePosition;
import io.tributary.projection.sink.ViewVersions;
import io.tributary.query.internal.LiveReadModels;
import io.tributary.query.internal.LiveView;
import io.tributary.query.internal.PositionWait;
import io.tributary.query.internal.ViewStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Answers a service's typed queries with read-your-writes. For each call it:
 *
 * <ol>
 *   <li>resolves the live version of every projection the query reads ({@link ViewVersions#live});
 *   <li>waits until each of them holds, for every partition of the caller's position tokens, at
 *       least the token's offset, polling with a short backoff, for at most {@code maxWait};
 *   <li>reads their positions, then runs the handler over those versions;
 *   <li>returns the response with the positions read before the handler ran.
 * </ol>
 *
 * A token not reached in time is a {@link ViewBehindException}. Built once by {@link #builder},
 * which checks that every query is declared by the service and reads only projections of a known
 * store. Thread-safe; each call blocks its thread for at most its wait plus the reads.
 *
 * <p><b>Errors</b> of every call: {@link IllegalArgumentException} for a bad request (an unknown
 * query or projection, undecodable request bytes, a request of the wrong type, a negative wait),
 * naming it; {@link ViewBehindException} (transient) when a view did not reach a token; {@link
 * TransientException} when a store cannot be reached or a projection has no live version yet;
 * {@link QueryFailedException} when the handler failed; an {@link InvalidQueryException} the
 * handler throws about its request passes through as a bad request.
 */
@Experimental
public final class QueryEngine {
  private final String service;
  private final Map<String, RegisteredQuery<?, ?>> queries;
  private final Map<String, ViewStore> stores;
  private final PositionWait wait;

  private QueryEngine(Builder builder) {
    this.service = builder.service.name();
    this.queries = Map.copyOf(builder.queries);
    this.stores = Map.copyOf(builder.stores);
    this.wait = new PositionWait(builder.initialBackoff, builder.maxBackoff);
  }

  /** @param service the service whose declared queries the engine answers */
  public static Builder builder(ServiceDefinition service) {
    return new Builder(service);
  }

  /** @return the names of the queries served, sorted */
  public SortedSet<String> queryNames() {
    return new TreeSet<>(queries.keySet());
  }

  /** @return the projections the engine can read, sorted */
  public SortedSet<String> projections() {
    return new TreeSet<>(stores.keySet());
  }

  /**
   * Runs query {@code name} with a decoded request.
   *
   * @param minPositions position tokens to wait for (e.g. the last event of a command); may be empty
   * @param maxWait how long to wait for them at most; zero checks once
   * @throws IllegalArgumentException if the query is unknown or {@code request} is not its request
   *     type, or {@code maxWait} is negative
   */
  public <Q extends Message, R extends Message> QueryResult<R> query(
      String name, Q request, List<SourcePosition> minPositions, Duration maxWait) {
    RegisteredQuery<Q, R> query = registered(name);
    Class<Q> type = query.definition().request().valueType();
    if (!type.isInstance(request)) {
      throw new IllegalArgumentException("Query '" + name + "' takes a " + type.getName() + ", not a "
          + request.getClass().getName() + ".");
    }
    return run(query, request, minPositions, maxWait);
  }

  /**
   * Runs query {@code name} with its request and response encoded by the query's codecs, as the
   * gRPC {@code Query} call carries them.
   *
   * @throws IllegalArgumentException also if {@code request} does not decode as the query's request type
   */
  public QueryResult<byte[]> queryEncoded(String name, byte[] request, List<SourcePosition> minPositions, Duration maxWait) {
    RegisteredQuery<Message, Message> query = registered(name);
    QueryDefinition<Message, Message> definition = query.definition();
    Message decoded;
    try {
      decoded = definition.request().decode(request);
    } catch (CodecException e) {
      throw new IllegalArgumentException("The request of query '" + name + "' does not decode as "
          + definition.request().typeName() + ": " + e.getMessage(), e);
    }
    QueryResult<Message> result = run(query, decoded, minPositions, maxWait);
    return new QueryResult<>(definition.response().encode(result.response()), result.positions());
  }

  /**
   * Reads one projection's live version with {@code read} after waiting for {@code minPositions}:
   * the generic reads of tools, which are not declared queries.
   *
   * @param read reads the views; its exceptions reach the caller unchanged
   * @throws IllegalArgumentException if the projection is unknown or {@code maxWait} is negative
   */
  public <T> QueryResult<T> read(
      String projection, List<SourcePosition> minPositions, Duration maxWait, Function<ReadModels, T> read) {
    Objects.requireNonNull(read, "read");
    if (!stores.containsKey(projection)) {
      throw new IllegalArgumentException("Unknown projection '" + projection + "' in service '" + service
          + "'; known projections: " + projections() + ".");
    }
    Waited waited = await("read of projection '" + projection + "'", List.of(projection), minPositions, maxWait);
    return new QueryResult<>(read.apply(waited.views()), waited.positions());
  }

  private <Q extends Message, R extends Message> QueryResult<R> run(
      RegisteredQuery<Q, R> query, Q request, List<SourcePosition> minPositions, Duration maxWait) {
    Waited waited = await("query '" + query.name() + "'", query.projections(), minPositions, maxWait);
    R response;
    try {
      response = query.handler().handle(request, waited.views());
    } catch (TransientException | InvalidQueryException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new QueryFailedException(query.name(), e);
    }
    if (response == null) {
      throw new QueryFailedException(query.name(), new NullPointerException("the handler returned null"));
    }
    return new QueryResult<>(response, waited.positions());
  }

  private record Waited(ReadModels views, List<ViewPosition> positions) {}

  private Waited await(String reader, List<String> projections, List<SourcePosition> minPositions, Duration maxWait) {
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("max wait must be zero or positive, was " + maxWait);
    }
    SortedMap<Integer, Long> needed = new TreeMap<>();
    for (SourcePosition token : minPositions) {
      needed.merge(token.partition(), token.offset(), Math::max);
    }
    Map<String, LiveView> live = new LinkedHashMap<>();
    for (String projection : projections) {
      ViewStore store = stores.get(projection);
      OptionalInt version = store.versions().live(projection);
      if (version.isEmpty()) {
        throw new TransientException("Projection '" + projection + "' of service '" + service + "' has no live"
            + " version yet, so " + reader + " has nothing to read. Its first runner publishes version 1 when it"
            + " starts; retry later, and check that the projection runs.");
      }
      live.put(projection, new LiveView(projection, version.getAsInt(), store));
    }
    List<ViewPosition> positions = wait.await(new ArrayList<>(live.values()), needed, maxWait);
    return new Waited(new LiveReadModels(reader, live), positions);
  }

  @SuppressWarnings("unchecked")
  private <Q extends Message, R extends Message> RegisteredQuery<Q, R> registered(String name) {
    Objects.requireNonNull(name, "name");
    RegisteredQuery<?, ?> query = queries.get(name);
    if (query == null) {
      throw new IllegalArgumentException("Unknown query '" + name + "' in service '" + service + "'; known queries: "
          + queryNames() + ".");
    }
    return (RegisteredQuery<Q, R>) query;
  }

  /** Collects the stores and queries; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private final ServiceDefinition service;
    private final Map<String, RegisteredQuery<?, ?>> queries = new LinkedHashMap<>();
    private final Map<String, ViewStore> stores = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private Duration initialBackoff = Duration.ofMillis(5);
    private Duration maxBackoff = Duration.ofMillis(100);

    private Builder(ServiceDefinition service) {
      this.service = Objects.requireNonNull(service, "service");
    }

    /**
     * Declares projections kept in Redis.
     *
     * @param versions their live-version pointers
     * @param reader reads their keys
     */
    public Builder redis(ViewVersions versions, RedisViewReader reader, String... projections) {
      return store(new ViewStore.Redis(versions, reader), projections);
    }

    /**
     * Declares projections kept in Elasticsearch.
     *
     * @param versions their live-version pointers
     * @param reader reads their documents and positions
     */
    public Builder elasticsearch(ViewVersions versions, ElasticsearchViewReader reader, String... projections) {
      return store(new ViewStore.Elasticsearch(versions, reader), projections);
    }

    /** Serves {@code query}; it must be declared in the service definition. */
    public Builder query(RegisteredQuery<?, ?> query) {
      Objects.requireNonNull(query, "query");
      if (queries.putIfAbsent(query.name(), query) != null) {
        problems.add("Query '" + query.name() + "' is registered twice: register each query once.");
      }
      return this;
    }

    /**
     * How often a wait polls the positions: first after {@code initial}, then twice as long each
     * time, up to {@code max}. Defaults: 5 ms up to 100 ms.
     */
    public Builder pollBackoff(Duration initial, Duration max) {
      this.initialBackoff = Objects.requireNonNull(initial, "initial");
      this.maxBackoff = Objects.requireNonNull(max, "max");
      return this;
    }

    /**
     * @throws DefinitionException listing every problem: a query the service does not declare (or
     *     declares with other codecs), a declared query without a handler, a query reading a
     *     projection of no store, a projection given to two stores
     * @throws IllegalArgumentException if the poll backoff is not positive
     */
    public QueryEngine build() {
      List<String> found = new ArrayList<>(problems);
      Map<String, QueryDefinition<?, ?>> declared = new LinkedHashMap<>();
      service.queries().forEach(query -> declared.put(query.name(), query));
      for (RegisteredQuery<?, ?> query : queries.values()) {
        QueryDefinition<?, ?> declaration = declared.get(query.name());
        if (declaration == null) {
          found.add("Query '" + query.name() + "' is not declared by service '" + service.name() + "' (it declares "
              + declared.keySet() + "): declare it with ServiceDefinition.builder(...).query(...).");
        } else if (!declaration.equals(query.definition())) {
          found.add("Query '" + query.name() + "' is registered with other codecs than service '" + service.name()
              + "' declares: register the definition the service declares.");
        }
        for (String projection : query.projections()) {
          if (!stores.containsKey(projection)) {
            found.add("Query '" + query.name() + "' reads projection '" + projection + "', which no store holds:"
                + " add it with QueryEngine.builder(...).redis(versions, reader, \"" + projection
                + "\") or .elasticsearch(...).");
          }
        }
      }
      for (String name : declared.keySet()) {
        if (!queries.containsKey(name)) {
          found.add("Query '" + name + "' is declared by service '" + service.name() + "' but has no handler:"
              + " register it with QueryEngine.builder(...).query(RegisteredQuery.of(definition, handler, projections...)).");
        }
      }
      if (!found.isEmpty()) {
        throw new DefinitionException("The query engine of service '" + service.name() + "'", found);
      }
      return new QueryEngine(this);
    }

    private Builder store(ViewStore store, String... projections) {
      for (String projection : projections) {
        Objects.requireNonNull(projection, "projection");
        ViewStore before = stores.putIfAbsent(projection, store);
        if (before != null) {
          problems.add("Projection '" + projection + "' is given to two stores (" + before.kind() + " and "
              + store.kind() + "): a projection keeps its views in one store.");
        }
      }
      return this;
    }
  }
}
