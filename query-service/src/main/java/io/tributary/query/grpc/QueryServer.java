package io.tributary.query.grpc;

import io.tributary.core.annotation.Experimental;
import io.tributary.core.error.PermanentException;
import io.tributary.grpc.GrpcEndpoint;
import io.tributary.query.QueryEngine;
import io.tributary.query.grpc.v1.QueryServiceGrpc;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gRPC server for a service's queries alone (a query service deployed apart from the
 * command side). It serves:
 *
 * <ul>
 *   <li>{@code tributary.query.v1.QueryService} over the given {@link QueryEngine} (see {@link
 *       GrpcQueryService} for what each outcome answers);
 *   <li>{@code grpc.health.v1.Health}: SERVING for {@code ""} and for the query service while
 *       running, NOT_SERVING from the moment {@link #close()} begins;
 *   <li>server reflection ({@code grpc.reflection.v1} and the older {@code v1alpha}).
 * </ul>
 *
 * A service that already runs a command server adds a {@link GrpcQueryService} to it instead.
 *
 * <p>Thread-safe. {@link #close()} must be called; it is idempotent.
 */
@Experimental
public final class QueryServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueryServer.class);

  private final GrpcEndpoint endpoint;

  private QueryServer(GrpcEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Binds the port and starts serving; returns once the server accepts connections.
   *
   * @param engine answers the queries
   * @throws PermanentException if the port cannot be bound or the TLS files cannot be read; the
   *     message names the setting to change. Nothing is left running.
   */
  public static QueryServer start(QueryServerSettings settings, QueryEngine engine) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(engine, "engine");
    GrpcEndpoint endpoint = GrpcEndpoint.start(
        "queries", settings.endpoint(), settings.maxInboundMessageBytes(),
        List.of(new GrpcQueryService(engine, settings.defaultWait(), settings.maxWait()).bindService()),
        List.of(QueryServiceGrpc.SERVICE_NAME));
    log.info("Answering queries {} on port {}, waits up to {}", engine.queryNames(), endpoint.port(),
        settings.maxWait());
    return new QueryServer(endpoint);
  }

  /** @return the bound port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return endpoint.port();
  }

  /**
   * Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to the shutdown
   * grace, then cancels the rest and waits up to the grace again. Idempotent; if interrupted,
   * cancels at once and keeps the interrupt flag.
   */
  @Override
  public void close() {
    endpoint.close();
  }
}
