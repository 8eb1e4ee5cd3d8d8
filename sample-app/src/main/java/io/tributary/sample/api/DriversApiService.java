package io.tributary.sample.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.grpc.GrpcCommandService;
import io.tributary.sample.api.v1.CommandReply;
import io.tributary.sample.api.v1.DriversApiGrpc;
import io.tributary.sample.api.v1.PostCommandRequest;
import io.tributary.sample.api.v1.Position;
import io.tributary.sample.api.v1.TribeCommandRequest;
import io.tributary.sample.post.Post;
import io.tributary.sample.tribe.Tribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Serves {@code tributary.sample.api.v1.DriversApi}: tribe and post commands as typed messages.
 *
 * <p>Each call is handed to the generic {@link GrpcCommandService} as a command for the {@code
 * Tribe} or {@code Post} aggregate, with the command's protobuf bytes as payload.
 * Statuses, trailers, deadlines and resends therefore behave exactly as that class's table says
 * (a rejection is FAILED_PRECONDITION with {@code CODE: message} and the {@link
 * io.tributary.runtime.grpc.CommandTrailers}); only an accepted reply is copied into a {@link
 * CommandReply}. A request without {@code command_id} or {@code command} is answered
 * INVALID_ARGUMENT here, naming the typed field, before the gateway is called.
 *
 * <p>Thread-safe; like the generic service, no thread waits for an outcome.
 */
public final class DriversApiService extends DriversApiGrpc.DriversApiImplBase {
  private final GrpcCommandService commands;

  /**
   * @param commands the generic command service that sends the commands and maps their outcomes;
   *     usually the one mounted beside this service, sharing its gateway and timeouts
   */
  public DriversApiService(GrpcCommandService commands) {
    this.commands = Objects.requireNonNull(commands, "commands");
  }

  /** Sends one tribe command; gRPC calls this and it returns without waiting for the outcome. */
  @Override
  public void sendTribeCommand(TribeCommandRequest request, StreamObserver<CommandReply> responseObserver) {
    List<String> missing = missingFields("TribeCommandRequest", request.getCommandId(), request.hasCommand(),
        "TribeCommand", "tribe_id");
    if (!missing.isEmpty()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription(String.join(" ", missing)).asRuntimeException());
      return;
    }
    send(request.getCommandId(), Tribe.DEFINITION.type(), request.getCommand().toByteString(),
        request.hasCorrelationId() ? request.getCorrelationId() : "", responseObserver);
  }

  /** Sends one post command; gRPC calls this and it returns without waiting for the outcome. */
  @Override
  public void sendPostCommand(PostCommandRequest request, StreamObserver<CommandReply> responseObserver) {
    List<String> missing = missingFields("PostCommandRequest", request.getCommandId(), request.hasCommand(),
        "PostCommand", "post_id");
    if (!missing.isEmpty()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription(String.join(" ", missing)).asRuntimeException());
      return;
    }
    send(request.getCommandId(), Post.DEFINITION.type(), request.getCommand().toByteString(),
        request.hasCorrelationId() ? request.getCorrelationId() : "", responseObserver);
  }

  private void send(String commandId, String aggregateType, ByteString payload, String correlationId,
      StreamObserver<CommandReply> responseObserver) {
    SendCommand command = new SendCommand(commandId, aggregateType, payload.toByteArray(),
        correlationId.isEmpty() ? null : correlationId);
    commands.send(command, responseObserver, DriversApiService::toCommandReply);
  }

  /** @return the problems with a typed request's required fields, each naming the field and the fix */
  private static List<String> missingFields(
      String requestType, String commandId, boolean hasCommand, String commandType, String keyField) {
    List<String> problems = new ArrayList<>(2);
    if (commandId.isBlank()) {
      problems.add(requestType + ".command_id is missing: set it to an id unique to this command, e.g. a"
          + " UUID; resending the same id returns the first outcome instead of applying it twice.");
    }
    if (!hasCommand) {
      problems.add(requestType + ".command is missing: set it to the " + commandType + " to send, with its "
          + keyField + " and one kind.");
    }
    return problems;
  }

  static CommandReply toCommandReply(CommandOutcome.Accepted accepted) {
    CommandReply.Builder typed = CommandReply.newBuilder()
        .setCommandId(accepted.commandId())
        .setVersion(accepted.version())
        .setEventCount(accepted.eventCount())
        .setDuplicate(accepted.duplicate());
    accepted.lastEvent().ifPresent(position -> typed.setLastEvent(Position.newBuilder()
        .setPartition(position.partition())
        .setOffset(position.offset())));
    return typed.build();
  }
}
