package io.tributary.runtime.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.grpc.GrpcEndpoint;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
  private final GrpcEndpoint endpoint;
  private final ScheduledThreadPoolExecutor timers;

  private CommandServer(GrpcEndpoint endpoint, ScheduledThreadPoolExecutor timers) {
    this.endpoint = endpoint;
    this.timers = timers;
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
      List<ServerServiceDefinition> definitions = new ArrayList<>();
      definitions.add(
          new GrpcCommandService(gateway, timers, settings.defaultTimeout(), settings.deadlineMargin()).bindService());
      for (BindableService service : services) {
        definitions.add(Objects.requireNonNull(service, "services contains null").bindService());
      }
      // Send checks the command, hands it to the ingress producer and returns: run on the transport thread
      GrpcEndpoint endpoint = GrpcEndpoint.start(
          "commands", settings.endpoint(), settings.maxInboundMessageBytes(), definitions,
          List.of(CommandServiceGrpc.SERVICE_NAME), Set.of(CommandServiceGrpc.getSendMethod().getFullMethodName()));
      return new CommandServer(endpoint, timers);
    } catch (RuntimeException e) {
      timers.shutdownNow();
      throw e;
    }
  }

  /** @return the bound port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return endpoint.port();
  }

  /**
   * Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to the shutdown
   * grace, then cancels the rest (their clients see UNAVAILABLE; resending the same command id is
   * safe) and waits up to the grace again. Open health watches also hold the first stage until the
   * grace ends. Idempotent; if interrupted, cancels at once and keeps the interrupt flag.
   */
  @Override
  public void close() {
    try {
      endpoint.close();
    } finally {
      // after the server, whose calls schedule their timeouts here
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
}
