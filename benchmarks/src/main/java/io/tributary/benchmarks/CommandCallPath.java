package io.tributary.benchmarks;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command API as a client meets it in the latency phase: the runtime's gRPC {@link CommandServer}
 * on loopback over the runtime's gateway, and an asynchronous client on one channel. A call is
 * answered when its reply arrives: accepted ({@code OK}) or rejected ({@code FAILED_PRECONDITION},
 * a business answer like an acceptance); any other status is not an answer.
 */
final class CommandCallPath implements AutoCloseable {
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(60);

  private final CommandServer server;
  private final ManagedChannel channel;
  private final CommandServiceGrpc.CommandServiceStub client;

  private CommandCallPath(CommandServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
    this.client = CommandServiceGrpc.newStub(channel);
  }

  /** Serves {@code gateway} on a free loopback port and connects a client to it. */
  static CommandCallPath start(CommandGateway gateway) {
    CommandServer server = CommandServer.start(CommandServerSettings.defaults().withHost("127.0.0.1").withPort(0)
        .withDefaultTimeout(CALL_DEADLINE), gateway);
    // the reply callbacks only complete a future: they run on the client's transport thread instead
    // of being handed to an executor's thread, a cost a remote client would not put on these cores
    return new CommandCallPath(server,
        ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().directExecutor().build());
  }

  /**
   * Calls {@code CommandService.Send} without waiting.
   *
   * @return a future completed when the reply arrives (accepted or rejected), or failed with the
   *     call's status otherwise
   */
  CompletableFuture<Void> send(SendCommand command) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    SendCommandRequest request = SendCommandRequest.newBuilder()
        .setCommandId(command.commandId())
        .setAggregateType(command.aggregateType())
        .setPayload(com.google.protobuf.ByteString.copyFrom(command.payload()))
        .build();
    client.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).send(request,
        new StreamObserver<>() {
          @Override
          public void onNext(SendCommandReply reply) {
            answered.complete(null);
          }

          @Override
          public void onError(Throwable error) {
            if (Status.fromThrowable(error).getCode() == Status.Code.FAILED_PRECONDITION) {
              answered.complete(null); // a rejection: the command was decided and the reply says so
            } else {
              answered.completeExceptionally(error);
            }
          }

          @Override
          public void onCompleted() {
            answered.complete(null);
          }
        });
    return answered;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
