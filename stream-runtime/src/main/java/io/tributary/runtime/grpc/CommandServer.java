package io.tributary.runtime.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gRPC server for a service's command API. It serves:
 *
 * <ul>
 *   <li>{@code tributary.runtime.v1.CommandService} over the given {@link CommandGateway} (see
 *       {@link GrpcCommandService} for what each outcome answers);
 *   <li>the extra services passed to {@link #start}, e.g. a service's typed endpoints;
 *   <li>{@code grpc.health.v1.Health}: SERVING for {@code ""} and for the command service while
 *       running, NOT_SERVING from the moment {@link #close()} begins;
 *   <li>server reflection ({@code grpc.reflection.v1} and the older {@code v1alpha}), so tools can
 *       list and call the services without their proto files.
 * </ul>
 *
 * Requests are read up to {@link CommandServerSettings#maxInboundMessageBytes()}: an oversized
 * payload within that still reaches the gateway, whose INVALID_ARGUMENT names the limit; a larger
 * request is refused unread with RESOURCE_EXHAUSTED ("gRPC message exceeds maximum size").
 *
 * <p>Thread-safe. {@link #close()} must be called; it is idempotent.
 */
@Evolving
public final class CommandServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommandServer.class);

  private final Server server;
  private final HealthStatusManager health;
  private final ScheduledThreadPoolExecutor timers;
  private final Duration shutdownGrace;
  private final AtomicBoolean closed = new AtomicBoolean();

  private CommandServer(
      Server server, HealthStatusManager health, ScheduledThreadPoolExecutor timers, Duration shutdownGrace) {
    this.server = server;
    this.health = health;
    this.timers = timers;
    this.shutdownGrace = shutdownGrace;
  }

  /**
   * Starts a server with the command service, health and reflection only; see {@link
   * #start(CommandServerSettings, CommandGateway, List)}.
   */
  public static CommandServer start(CommandServerSettings settings, CommandGateway gateway) {
    return start(settings, gateway, List.of());
  }

  /**
   * Binds the port and starts serving; returns once the server accepts connections.
   *
   * @param settings where to listen, the size limit, the waits and TLS
   * @param gateway checks and sends the commands; the server does not close it
   * @param services more services to serve beside the built-in ones
   * @return the running server; close it to stop serving
   * @throws IllegalArgumentException if an extra service has the name of a built-in one or of
   *     another extra service
   * @throws PermanentException if the port cannot be bound (in use, or the host is not local), or
   *     the TLS files cannot be read; the message names the setting to change. Nothing is left
   *     running.
   */
  public static CommandServer start(
      CommandServerSettings settings, CommandGateway gateway, List<? extends BindableService> services) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(services, "services");
    ScheduledThreadPoolExecutor timers = newTimers();
    try {
      HealthStatusManager health = new HealthStatusManager();
      List<ServerServiceDefinition> builtIn =
          List.of(
              new GrpcCommandService(gateway, timers, settings.defaultTimeout(), settings.deadlineMargin())
                  .bindService(),
              health.getHealthService().bindService(),
              ProtoReflectionServiceV1.newInstance().bindService(),
              reflectionV1Alpha().bindService());
      List<ServerServiceDefinition> definitions = new ArrayList<>(builtIn);
      for (BindableService service : services) {
        definitions.add(Objects.requireNonNull(service, "services contains null").bindService());
      }
      requireUniqueNames(builtIn, definitions);

      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
              .maxInboundMessageSize(settings.maxInboundMessageBytes());
      definitions.forEach(builder::addService);
      settings.tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        server.shutdownNow();
        throw new PermanentException(
            "Cannot listen for gRPC commands on " + settings.host() + ":" + settings.port() + ": " + e.getMessage()
                + ". Choose a free port (0 takes one) or stop the process that holds it, and bind an"
                + " address of this host (0.0.0.0 for every interface).",
            e);
      }
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      health.setStatus(CommandServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
      log.info(
          "Serving gRPC commands on {}:{} ({}), requests up to {} bytes",
          settings.host(), server.getPort(), settings.tls().isPresent() ? "TLS" : "plaintext",
          settings.maxInboundMessageBytes());
      return new CommandServer(server, health, timers, settings.shutdownGrace());
    } catch (RuntimeException e) {
      timers.shutdownNow();
      throw e;
    }
  }

  /** @return the bound port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return server.getPort();
  }

  /**
   * Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to the shutdown
   * grace, then cancels the rest (their clients see UNAVAILABLE; resending the same command id is
   * safe) and waits up to the grace again. Open health watches also hold the first stage until the
   * grace ends. Idempotent; if interrupted, cancels at once and keeps the interrupt flag.
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
          log.warn("gRPC command server on port {} did not terminate within {} after cancelling its calls",
              server.getPort(), shutdownGrace);
        }
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      timers.shutdownNow();
    }
  }

  private static ScheduledThreadPoolExecutor newTimers() {
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "tributary-command-timeouts");
              thread.setDaemon(true);
              return thread;
            });
    // most timers are cancelled because the outcome came first: drop them instead of keeping them queued
    timers.setRemoveOnCancelPolicy(true);
    return timers;
  }

  // grpcurl before 1.9 and most Node reflection clients speak only v1alpha
  @SuppressWarnings("deprecation")
  private static BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  private static void requireUniqueNames(
      List<ServerServiceDefinition> builtIn, List<ServerServiceDefinition> definitions) {
    Set<String> seen = new HashSet<>();
    for (ServerServiceDefinition definition : definitions) {
      String name = definition.getServiceDescriptor().getName();
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "gRPC service " + name + " is given twice; the command server already serves "
                + builtIn.stream().map(d -> d.getServiceDescriptor().getName()).toList()
                + ". Pass each extra service once and none of these.");
      }
    }
  }

  private static SslContext sslContext(CommandServerSettings.Tls tls) {
    try {
      return GrpcSslContexts.forServer(tls.certChain().toFile(), tls.privateKey().toFile()).build();
    } catch (IOException | IllegalArgumentException e) {
      throw new PermanentException(
          "Cannot load the TLS certificate chain " + tls.certChain() + " and private key " + tls.privateKey()
              + ": " + e.getMessage() + ". Both must be readable PEM files: the certificate first, then"
              + " its intermediates; the key in PKCS#8, unencrypted, matching the certificate.",
          e);
    }
  }
}
