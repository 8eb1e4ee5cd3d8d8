package io.tributary.query.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.error.PermanentException;
import io.tributary.query.QueryEngine;
import io.tributary.query.grpc.v1.QueryServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  private final Server server;
  private final HealthStatusManager health;
  private final Duration shutdownGrace;
  private final AtomicBoolean closed = new AtomicBoolean();

  private QueryServer(Server server, HealthStatusManager health, Duration shutdownGrace) {
    this.server = server;
    this.health = health;
    this.shutdownGrace = shutdownGrace;
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
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
        .maxInboundMessageSize(settings.maxInboundMessageBytes())
        .addService(new GrpcQueryService(engine, settings.defaultWait(), settings.maxWait()))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(reflectionV1Alpha());
    settings.tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      server.shutdownNow();
      throw new PermanentException("Cannot listen for gRPC queries on " + settings.host() + ":" + settings.port()
          + ": " + e.getMessage() + ". Choose a free port (0 takes one) or stop the process that holds it, and bind"
          + " an address of this host (0.0.0.0 for every interface).", e);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    health.setStatus(QueryServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("Serving gRPC queries {} on {}:{} ({}), waits up to {}", engine.queryNames(), settings.host(),
        server.getPort(), settings.tls().isPresent() ? "TLS" : "plaintext", settings.maxWait());
    return new QueryServer(server, health, settings.shutdownGrace());
  }

  /** @return the bound port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return server.getPort();
  }

  /**
   * Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to the shutdown
   * grace, then cancels the rest and waits up to the grace again. Idempotent; if interrupted,
   * cancels at once and keeps the interrupt flag.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
        if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
          log.warn("gRPC query server on port {} did not terminate within {} after cancelling its calls",
              server.getPort(), shutdownGrace);
        }
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // grpcurl before 1.9 and most Node reflection clients speak only v1alpha
  @SuppressWarnings("deprecation")
  private static BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  private static SslContext sslContext(QueryServerSettings.Tls tls) {
    try {
      return GrpcSslContexts.forServer(tls.certChain().toFile(), tls.privateKey().toFile()).build();
    } catch (IOException | IllegalArgumentException e) {
      throw new PermanentException("Cannot load the TLS certificate chain " + tls.certChain() + " and private key "
          + tls.privateKey() + ": " + e.getMessage() + ". Both must be readable PEM files: the certificate first,"
          + " then its intermediates; the key in PKCS#8, unencrypted, matching the certificate.", e);
    }
  }
}
