package io.tributary.runtime.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.core.annotation.Evolving;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code tributary.runtime.v1.CommandService}: hands each command to a {@link
 * CommandGateway} and answers with its committed outcome. {@link CommandServer} mounts it; mount it
 * in another gRPC server by adding it as a {@link BindableService}.
 *
 * <h2>Outcomes and failures</h2>
 *
 * <table>
 *   <caption>What a call answers</caption>
 *   <tr><th>Case</th><th>Status</th><th>Description, trailers</th><th>Client should</th></tr>
 *   <tr><td>{@link CommandOutcome.Accepted}</td><td>OK</td>
 *       <td>reply with version, event count, last event position, {@code duplicate}</td>
 *       <td>use the position to read its own writes</td></tr>
 *   <tr><td>{@link CommandOutcome.Rejected}</td><td>FAILED_PRECONDITION</td>
 *       <td>{@code CODE: message}; {@link CommandTrailers#REJECTION_CODE}, {@link
 *       CommandTrailers#REJECTION_MESSAGE}, {@link CommandTrailers#DUPLICATE} if repeated</td>
 *       <td>branch on the code; a resend returns the same rejection</td></tr>
 *   <tr><td>{@link CommandOutcome.Failed}</td><td>INTERNAL</td>
 *       <td>the error; {@link CommandTrailers#FAILURE}, {@link CommandTrailers#DUPLICATE} if
 *       repeated</td><td>fix the command or the aggregate; a resend fails the same way</td></tr>
 *   <tr><td>missing {@code command_id} or {@code aggregate_type}</td><td>INVALID_ARGUMENT</td>
 *       <td>names the field and what to set; the gateway is not called</td><td>fix the request</td></tr>
 *   <tr><td>{@link io.tributary.runtime.InvalidCommandException}, thrown or as the future's
 *       cause</td><td>INVALID_ARGUMENT</td><td>the exception's message (unknown type, unparsable or
 *       oversized payload)</td><td>fix the command</td></tr>
 *   <tr><td>no outcome by the deadline (or the default timeout)</td><td>DEADLINE_EXCEEDED</td>
 *       <td>the outcome is unknown; resending the same command id is safe</td>
 *       <td>resend with the same id</td></tr>
 *   <tr><td>{@link io.tributary.core.error.TransientException}; the wait cancelled by the server</td>
 *       <td>UNAVAILABLE</td><td>the cause; resending the same command id is safe</td>
 *       <td>resend with the same id, with backoff</td></tr>
 *   <tr><td>any other exception</td><td>INTERNAL</td><td>the exception, no {@code FAILURE}
 *       trailer; logged with its stack trace</td><td>resend with the same id; report it if it
 *       persists</td></tr>
 * </table>
 *
 * <h2>Waiting</h2>
 *
 * No thread waits for an outcome. The reply is sent from the completion of the gateway's future (on
 * whichever thread completes it) or from a timer on the given scheduler. The wait ends at the
 * call's deadline less {@code deadlineMargin} (at most half the time left), so that this server's
 * DEADLINE_EXCEEDED, which says a resend is safe, reaches the client before the client's own timer
 * fires; a call without a deadline waits {@code defaultTimeout}. If the client cancels, the wait
 * ends and nothing is sent. The gateway's future is never cancelled: other callers may share it.
 *
 * <p>Thread-safe.
 */
@Evolving
public final class GrpcCommandService extends CommandServiceGrpc.CommandServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(GrpcCommandService.class);

  private final CommandGateway gateway;
  private final ScheduledExecutorService scheduler;
  private final Duration defaultTimeout;
  private final Duration deadlineMargin;

  /**
   * @param gateway checks and sends the commands
   * @param scheduler runs the wait timers; its tasks only complete a future, so one thread serves
   *     many calls. Shut it down only after the server has terminated: a call that cannot schedule
   *     its timer answers UNAVAILABLE.
   * @param defaultTimeout how long a call without a deadline waits for its outcome; positive
   * @param deadlineMargin how long before the call's deadline the server answers DEADLINE_EXCEEDED
   *     itself; zero or positive
   * @throws IllegalArgumentException if a duration is out of range
   */
  public GrpcCommandService(
      CommandGateway gateway, ScheduledExecutorService scheduler, Duration defaultTimeout, Duration deadlineMargin) {
    this.gateway = Objects.requireNonNull(gateway, "gateway");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.defaultTimeout = CommandServerSettings.positive("defaultTimeout", defaultTimeout);
    this.deadlineMargin = CommandServerSettings.notNegative("deadlineMargin", deadlineMargin);
  }

  /**
   * Handles one {@code Send} call; gRPC calls this on a transport or executor thread and it returns
   * without waiting for the outcome. The observer is completed exactly once, as the class javadoc's
   * table describes.
   */
  @Override
  public void send(SendCommandRequest request, StreamObserver<SendCommandReply> responseObserver) {
    List<String> missing = missingFields(request);
    if (!missing.isEmpty()) {
      responseObserver.onError(CommandStatuses.missingFields(missing));
      return;
    }
    SendCommand command =
        new SendCommand(
            request.getCommandId(),
            request.getAggregateType(),
            request.getPayload().toByteArray(),
            request.getCorrelationId().isEmpty() ? null : request.getCorrelationId());
    send(command, responseObserver, GrpcCommandService::accepted);
  }

  /**
   * Sends {@code command} and answers the call exactly as {@link #send(SendCommandRequest,
   * StreamObserver)} does (statuses, trailers, deadline, cancellation), with the reply to an accepted
   * command built by {@code accepted}: for a service's typed endpoints, whose requests carry their
   * own command messages and whose replies are their own messages. Returns without waiting.
   *
   * @param <R> the endpoint's reply message
   */
  public <R> void send(SendCommand command, StreamObserver<R> responseObserver,
      Function<CommandOutcome.Accepted, R> accepted) {
    CompletableFuture<CommandOutcome> outcome;
    try {
      outcome = Objects.requireNonNull(gateway.send(command), "CommandGateway.send returned null");
    } catch (RuntimeException e) {
      reply(responseObserver, command.commandId(), null, e, accepted);
      return;
    }

    // Replies go through this copy: the timer and a client cancel complete it, never the gateway's
    // future, and completing it drops its callbacks, so an outcome that never comes holds nothing.
    CompletableFuture<CommandOutcome> waiting = outcome.copy();
    if (responseObserver instanceof ServerCallStreamObserver<R> call) {
      call.setOnCancelHandler(() -> waiting.cancel(false));
    }
    ScheduledFuture<?> timer;
    try {
      timer = scheduleExpiry(waiting);
    } catch (RejectedExecutionException e) {
      waiting.cancel(false);
      reply(responseObserver, command.commandId(), null, new CancellationException("the server is shutting down"),
          accepted);
      return;
    }
    waiting.whenComplete(
        (result, error) -> {
          timer.cancel(false);
          reply(responseObserver, command.commandId(), result, error, accepted);
        });
  }

  private ScheduledFuture<?> scheduleExpiry(CompletableFuture<CommandOutcome> waiting) {
    Deadline deadline = Context.current().getDeadline();
    Duration wait;
    String bound;
    if (deadline == null) {
      wait = defaultTimeout;
      bound = "the server's default timeout; set a deadline on the call to choose the wait";
    } else {
      long left = Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS));
      wait = Duration.ofNanos(left - Math.min(deadlineMargin.toNanos(), left / 2));
      bound = "the call's deadline less the server's margin";
    }
    return scheduler.schedule(
        () -> waiting.completeExceptionally(new CommandStatuses.OutcomeWaitExpired(wait, bound)),
        wait.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  private static <R> void reply(
      StreamObserver<R> observer,
      String commandId,
      @Nullable CommandOutcome outcome,
      @Nullable Throwable error,
      Function<CommandOutcome.Accepted, R> accepted) {
    if (observer instanceof ServerCallStreamObserver<R> call && call.isCancelled()) {
      return; // the client cancelled or its deadline passed: there is nobody to answer
    }
    try {
      if (error != null) {
        StatusRuntimeException status = CommandStatuses.forFailure(commandId, error);
        if (status.getStatus().getCode() == Status.Code.INTERNAL) {
          log.warn("Command {} failed in the command gateway; answering INTERNAL", commandId, status.getCause());
        }
        observer.onError(status);
        return;
      }
      switch (Objects.requireNonNull(outcome, "the command gateway completed with no outcome")) {
        case CommandOutcome.Accepted done -> {
          observer.onNext(accepted.apply(done));
          observer.onCompleted();
        }
        case CommandOutcome.Rejected rejected -> observer.onError(CommandStatuses.rejected(rejected));
        case CommandOutcome.Failed failed -> observer.onError(CommandStatuses.failed(failed));
      }
    } catch (RuntimeException e) {
      // an exception here would vanish inside the future: answer INTERNAL and log it instead
      try {
        observer.onError(CommandStatuses.forFailure(commandId, e));
      } catch (RuntimeException alsoFailed) {
        e.addSuppressed(alsoFailed);
      }
      log.warn("Cannot send the reply to command {}; the client sees INTERNAL or its deadline", commandId, e);
    }
  }

  private static SendCommandReply accepted(CommandOutcome.Accepted accepted) {
    SendCommandReply.Accepted.Builder body =
        SendCommandReply.Accepted.newBuilder().setVersion(accepted.version()).setEventCount(accepted.eventCount());
    accepted
        .lastEvent()
        .ifPresent(
            position ->
                body.setLastEvent(
                    SendCommandReply.Position.newBuilder()
                        .setPartition(position.partition())
                        .setOffset(position.offset())));
    return SendCommandReply.newBuilder()
        .setCommandId(accepted.commandId())
        .setAccepted(body)
        .setDuplicate(accepted.duplicate())
        .build();
  }

  private static List<String> missingFields(SendCommandRequest request) {
    List<String> problems = new ArrayList<>(2);
    if (request.getCommandId().isBlank()) {
      problems.add(
          "SendCommandRequest.command_id is missing: set it to an id unique to this command, e.g. a"
              + " UUID; resending the same id returns the first outcome instead of applying it twice.");
    }
    if (request.getAggregateType().isBlank()) {
      problems.add(
          "SendCommandRequest.aggregate_type is missing: set it to the registered aggregate type the"
              + " command is for, e.g. \"Post\".");
    }
    return problems;
  }
}
