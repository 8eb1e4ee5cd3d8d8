package io.tributary.grpc;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gRPC server on {@link EndpointSettings}: the base of the command server and the query
 * server. Beside the services passed to {@link #start}, it serves:
 *
 * <ul>
 *   <li>{@code grpc.health.v1.Health}: SERVING for {@code ""} and for each of the serving names
 *       while running, NOT_SERVING from the moment {@link #close()} begins;
 *   <li>server reflection ({@code grpc.reflection.v1} and the older {@code v1alpha}), so tools can
 *       list and call the services without their proto files.
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} must be called; it is idempotent.
 */
@Evolving
public final class GrpcEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcEndpoint.class);

  /** The names of the services every endpoint serves: health, reflection v1 and v1alpha. */
  public static final List<String> BUILT_IN_SERVICES =
      List.of(
          HealthGrpc.SERVICE_NAME,
          io.grpc.reflection.v1.ServerReflectionGrpc.SERVICE_NAME,
          io.grpc.reflection.v1alpha.ServerReflectionGrpc.SERVICE_NAME);

  private final String what;
  private final Server server;
  private final HealthStatusManager health;
  private final Duration shutdownGrace;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GrpcEndpoint(String what, Server server, HealthStatusManager health, Duration shutdownGrace) {
    this.what = what;
    this.server = server;
    this.health = health;
    this.shutdownGrace = shutdownGrace;
  }

  /**
   * Binds the port and starts serving; returns once the server accepts connections.
   *
   * @param what what is served, in plural, for the log and the messages: {@code "commands"}
   * @param settings where to listen, TLS and the shutdown grace
   * @param maxInboundMessageBytes the largest request the server reads; a larger one is refused
   *     unread with RESOURCE_EXHAUSTED
   * @param services the services to serve; their names must differ from each other and from
   *     {@link #BUILT_IN_SERVICES}, since gRPC would keep only the last service of a name
   * @param servingNames the services that health reports SERVING by name while running
   * @return the running endpoint; close it to stop serving
   * @throws IllegalArgumentException if {@code maxInboundMessageBytes} is not positive, or two
   *     services have one name
   * @throws PermanentException if the port cannot be bound (in use, or the host is not local), or
   *     the TLS files cannot be read; the message says what to change. Nothing is left running.
   */
  public static GrpcEndpoint start(
      String what,
      EndpointSettings settings,
      int maxInboundMessageBytes,
      List<ServerServiceDefinition> services,
      List<String> servingNames) {
    return start(what, settings, maxInboundMessageBytes, services, servingNames, Set.of());
  }

  /**
   * As {@link #start(String, EndpointSettings, int, List, List)}, with the handlers of {@code
   * nonBlockingMethods} run on the transport thread that read the call, as a rule, instead of on the
   * server's executor (gRPC still finds the method on the executor, and a handler whose request
   * arrives before that is done runs there): fewer thread switches per call, for methods whose
   * handlers return at once (they start work and answer it later from another thread). A handler
   * that blocks there holds up the calls of every connection that transport thread serves.
   *
   * @param nonBlockingMethods full method names, e.g. {@code tributary.runtime.v1.CommandService/Send}
   * @throws IllegalArgumentException also if a name in {@code nonBlockingMethods} is not a method of
   *     {@code services}
   */
  public static GrpcEndpoint start(
      String what,
      EndpointSettings settings,
      int maxInboundMessageBytes,
      List<ServerServiceDefinition> services,
      List<String> servingNames,
      Set<String> nonBlockingMethods) {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(services, "services");
    Objects.requireNonNull(servingNames, "servingNames");
    Objects.requireNonNull(nonBlockingMethods, "nonBlockingMethods");
    checkNames(what, services, nonBlockingMethods);
    if (maxInboundMessageBytes <= 0) {
      throw new IllegalArgumentException(
          "maxInboundMessageBytes " + maxInboundMessageBytes + " for gRPC " + what + " must be positive, e.g. 4 MiB.");
    }
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
            .maxInboundMessageSize(maxInboundMessageBytes);
    services.forEach(builder::addService);
    if (!nonBlockingMethods.isEmpty()) {
      Set<String> direct = Set.copyOf(nonBlockingMethods);
      builder.callExecutor(new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> @Nullable Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
          // null: the server's executor, as for every other method
          return direct.contains(call.getMethodDescriptor().getFullMethodName()) ? Runnable::run : null;
        }
      });
    }
    builder
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(reflectionV1Alpha());
    settings.tls().ifPresent(tls -> builder.sslContext(sslContext(tls)));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      server.shutdownNow();
      throw new PermanentException(
          "Cannot listen for gRPC " + what + " on " + settings.host() + ":" + settings.port() + ": " + e.getMessage()
              + ". Choose a free port (0 takes one) or stop the process that holds it, and bind an"
              + " address of this host (0.0.0.0 for every interface).",
          e);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    servingNames.forEach(name -> health.setStatus(name, ServingStatus.SERVING));
    log.info(
        "Serving gRPC {} on {}:{} ({}), requests up to {} bytes",
        what, settings.host(), server.getPort(), settings.tls().isPresent() ? "TLS" : "plaintext",
        maxInboundMessageBytes);
    return new GrpcEndpoint(what, server, health, settings.shutdownGrace());
  }

  /**
   * @throws IllegalArgumentException if a service has the name of a built-in one or of a service
   *     before it (gRPC would keep only the last), or a non-blocking method is no method of theirs
   */
  private static void checkNames(String what, List<ServerServiceDefinition> services, Set<String> nonBlockingMethods) {
    List<String> served = new ArrayList<>(BUILT_IN_SERVICES);
    Set<String> methods = new HashSet<>();
    for (ServerServiceDefinition service : services) {
      String name = service.getServiceDescriptor().getName();
      if (served.contains(name)) {
        throw new IllegalArgumentException("gRPC service " + name + " is given twice; the server for " + what
            + " already serves " + served + ". Pass each service once and none of these.");
      }
      served.add(name);
      service.getMethods().forEach(method -> methods.add(method.getMethodDescriptor().getFullMethodName()));
    }
    for (String method : nonBlockingMethods) {
      if (!methods.contains(method)) {
        throw new IllegalArgumentException("Non-blocking method " + method + " is not a method of the services"
            + " given for gRPC " + what + "; name it as <package>.<Service>/<Method>, e.g. "
            + "tributary.runtime.v1.CommandService/Send.");
      }
    }
  }

  /** @return the bound port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return server.getPort();
  }

  /**
   * Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to the shutdown
   * grace, then cancels the rest (their clients see UNAVAILABLE) and waits up to the grace again.
   * Open health watches also hold the first stage until the grace ends. Idempotent; if
   * interrupted, cancels at once and keeps the interrupt flag.
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
          log.warn("gRPC server for {} on port {} did not terminate within {} after cancelling its calls",
              what, server.getPort(), shutdownGrace);
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

  private static SslContext sslContext(Tls tls) {
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
