package io.tributary.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.tributary.core.error.TransientException;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.InvalidCommandException;
import io.tributary.runtime.Position;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The command API over a real Netty server and client, with an in-memory gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcCommandServiceTest {
  private static final int LIMIT = 1024;

  private final ScriptedGateway gateway = new ScriptedGateway(Set.of("Post", "Tribe"), LIMIT);
  private CommandServer server;
  private ManagedChannel channel;

  @BeforeAll
  void start() {
    server =
        CommandServer.start(
            CommandServerSettings.defaults()
                .withHost("127.0.0.1")
                .withPort(0)
                .withMaxCommandBytes(LIMIT)
                .withDefaultTimeout(Duration.ofMillis(300))
                .withDeadlineMargin(Duration.ofMillis(150))
                .withShutdownGrace(Duration.ofSeconds(1)),
            gateway);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() throws InterruptedException {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      server.close();
    }
  }

  @Test
  void acceptedReplyCarriesVersionEventCountAndPosition() {
    gateway.script(
        "c-accepted",
        command -> done(new CommandOutcome.Accepted("c-accepted", 7, 2, Optional.of(new Position(3, 41)), false)));

    SendCommandReply reply = send(request("c-accepted", "Post").setCorrelationId("corr-1").build());

    assertThat(reply.getCommandId()).isEqualTo("c-accepted");
    assertThat(reply.hasAccepted()).isTrue();
    assertThat(reply.getAccepted().getVersion()).isEqualTo(7);
    assertThat(reply.getAccepted().getEventCount()).isEqualTo(2);
    assertThat(reply.getAccepted().getLastEvent().getPartition()).isEqualTo(3);
    assertThat(reply.getAccepted().getLastEvent().getOffset()).isEqualTo(41);
    assertThat(reply.getDuplicate()).isFalse();
    SendCommand received = gateway.received("c-accepted");
    assertThat(received.aggregateType()).isEqualTo("Post");
    assertThat(received.payload()).isEqualTo("payload".getBytes(StandardCharsets.UTF_8));
    assertThat(received.correlationId()).isEqualTo("corr-1");
  }

  @Test
  void acceptedNoOpHasNoPositionAndStartsACorrelation() {
    gateway.script("c-noop", command -> done(new CommandOutcome.Accepted("c-noop", 4, 0, Optional.empty(), true)));

    SendCommandReply reply = send(request("c-noop", "Post").build());

    assertThat(reply.getAccepted().getEventCount()).isZero();
    assertThat(reply.getAccepted().hasLastEvent()).isFalse();
    assertThat(reply.getDuplicate()).isTrue();
    assertThat(gateway.received("c-noop").correlationId()).isNull();
  }

  @Test
  void rejectedCommandAnswersFailedPreconditionWithCodeAndMessage() {
    gateway.script(
        "c-rejected",
        command -> done(new CommandOutcome.Rejected("c-rejected", "POST_ARCHIVED", "Post «p-1» is archived", true)));

    StatusRuntimeException e = failure(request("c-rejected", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).isEqualTo("POST_ARCHIVED: Post «p-1» is archived");
    assertThat(e.getTrailers().get(CommandTrailers.REJECTION_CODE)).isEqualTo("POST_ARCHIVED");
    assertThat(e.getTrailers().get(CommandTrailers.REJECTION_MESSAGE)).isEqualTo("Post «p-1» is archived");
    assertThat(e.getTrailers().get(CommandTrailers.DUPLICATE)).isEqualTo("true");
  }

  @Test
  void failedOutcomeAnswersInternalWithTheErrorInTrailers() {
    gateway.script(
        "c-failed", command -> done(new CommandOutcome.Failed("c-failed", "decide threw: NullPointerException", false)));

    StatusRuntimeException e = failure(request("c-failed", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).contains("decide threw: NullPointerException", "fails the same way");
    assertThat(e.getTrailers().get(CommandTrailers.FAILURE)).isEqualTo("decide threw: NullPointerException");
    assertThat(e.getTrailers().get(CommandTrailers.DUPLICATE)).isNull();
  }

  @Test
  void invalidCommandThrownAtOnceAnswersInvalidArgumentWithItsMessage() {
    StatusRuntimeException e = failure(request("c-unknown-type", "Tribee").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("Unknown aggregate type 'Tribee' in command c-unknown-type; known types: [Post, Tribe].");
  }

  @Test
  void invalidCommandAsTheFuturesCauseAnswersInvalidArgumentWithItsMessage() {
    gateway.script(
        "c-unparsable",
        command ->
            CompletableFuture.failedFuture(
                new InvalidCommandException("Payload of command c-unparsable does not parse as PostCommand.")));

    StatusRuntimeException e = failure(request("c-unparsable", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("Payload of command c-unparsable does not parse as PostCommand.");
  }

  @Test
  void missingCommandIdAnswersInvalidArgumentNamingTheFieldWithoutCallingTheGateway() {
    int before = gateway.receivedCount();

    StatusRuntimeException e = failure(request("", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("command_id is missing", "UUID");
    assertThat(gateway.receivedCount()).isEqualTo(before);
  }

  @Test
  void missingAggregateTypeAnswersInvalidArgumentNamingTheField() {
    StatusRuntimeException e = failure(request("c-no-type", " ").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("aggregate_type is missing", "registered aggregate type");
  }

  @Test
  void payloadOverTheLimitAnswersInvalidArgumentNamingTheLimit() {
    StatusRuntimeException e =
        failure(request("c-big", "Post").setPayload(ByteString.copyFrom(new byte[LIMIT * 4])).build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("4096 bytes", "limit of " + LIMIT + " bytes");
  }

  @Test
  void requestOverTheFrameLimitIsRefusedUnread() {
    int before = gateway.receivedCount();
    byte[] huge = new byte[LIMIT + CommandServerSettings.ENVELOPE_HEADROOM_BYTES + 1];

    StatusRuntimeException e = failure(request("c-huge", "Post").setPayload(ByteString.copyFrom(huge)).build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(gateway.receivedCount()).isEqualTo(before);
  }

  @Test
  void outcomeThatNeverComesAnswersDeadlineExceededSayingAResendIsSafe() {
    CompletableFuture<CommandOutcome> never = new CompletableFuture<>();
    gateway.script("c-slow", command -> never);

    StatusRuntimeException e =
        catchStatus(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    CommandServiceGrpc.getSendMethod(),
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                    request("c-slow", "Post").build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.getStatus().getDescription())
        .contains("command c-slow is unknown", "Resending the same command id is safe");
    assertThat(never).as("the gateway's future is left to the gateway").isNotDone();
  }

  @Test
  void callWithoutDeadlineWaitsTheDefaultTimeout() {
    gateway.script("c-no-deadline", command -> new CompletableFuture<>());

    StatusRuntimeException e =
        catchStatus(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, CommandServiceGrpc.getSendMethod(), CallOptions.DEFAULT, request("c-no-deadline", "Post").build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(e.getStatus().getDescription())
        .contains("default timeout", "Resending the same command id is safe");
  }

  @Test
  void transientFailureAnswersUnavailableSayingAResendIsSafe() {
    gateway.script(
        "c-broker-down",
        command -> CompletableFuture.failedFuture(new TransientException("broker 127.0.0.1:9092 is unreachable")));

    StatusRuntimeException e = failure(request("c-broker-down", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription())
        .contains("broker 127.0.0.1:9092 is unreachable", "Resending the same command id is safe");
  }

  @Test
  void transientFailureThrownAtOnceAnswersUnavailable() {
    gateway.script(
        "c-broker-down-sync",
        command -> {
          throw new TransientException("producer buffer is full");
        });

    StatusRuntimeException e = failure(request("c-broker-down-sync", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("producer buffer is full");
  }

  @Test
  void unexpectedFailureAnswersInternalWithoutTheFailureTrailer() {
    gateway.script(
        "c-bug", command -> CompletableFuture.failedFuture(new IllegalStateException("outcome reader is closed")));

    StatusRuntimeException e = failure(request("c-bug", "Post").build());

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription()).contains("outcome reader is closed", "outcome is unknown");
    assertThat(e.getTrailers().get(CommandTrailers.FAILURE)).isNull();
  }

  private SendCommandReply send(SendCommandRequest request) {
    return ClientCalls.blockingUnaryCall(
        channel, CommandServiceGrpc.getSendMethod(), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
  }

  private StatusRuntimeException failure(SendCommandRequest request) {
    return catchStatus(() -> send(request));
  }

  private static StatusRuntimeException catchStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    return fail("the call succeeded; a failure status was expected");
  }

  private static SendCommandRequest.Builder request(String commandId, String aggregateType) {
    return SendCommandRequest.newBuilder()
        .setCommandId(commandId)
        .setAggregateType(aggregateType)
        .setPayload(ByteString.copyFromUtf8("payload"));
  }

  private static CompletableFuture<CommandOutcome> done(CommandOutcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }

  /**
   * Stands in for the runtime's gateway: checks the aggregate type and the payload size the way the
   * runtime does, then answers with the outcome scripted for the command id.
   */
  private static final class ScriptedGateway implements CommandGateway {
    private final Set<String> knownTypes;
    private final int maxCommandBytes;
    private final Map<String, Function<SendCommand, CompletableFuture<CommandOutcome>>> scripts =
        new ConcurrentHashMap<>();
    private final List<SendCommand> received = new CopyOnWriteArrayList<>();

    ScriptedGateway(Set<String> knownTypes, int maxCommandBytes) {
      this.knownTypes = knownTypes;
      this.maxCommandBytes = maxCommandBytes;
    }

    void script(String commandId, Function<SendCommand, CompletableFuture<CommandOutcome>> answer) {
      scripts.put(commandId, answer);
    }

    SendCommand received(String commandId) {
      return received.stream()
          .filter(command -> command.commandId().equals(commandId))
          .findFirst()
          .orElseThrow(() -> new AssertionError("the gateway never received command " + commandId));
    }

    int receivedCount() {
      return received.size();
    }

    @Override
    public CompletableFuture<CommandOutcome> send(SendCommand command) {
      received.add(command);
      if (!knownTypes.contains(command.aggregateType())) {
        throw new InvalidCommandException(
            "Unknown aggregate type '" + command.aggregateType() + "' in command " + command.commandId()
                + "; known types: " + knownTypes.stream().sorted().toList() + ".");
      }
      if (command.payload().length > maxCommandBytes) {
        throw new InvalidCommandException(
            "Command " + command.commandId() + " is " + command.payload().length + " bytes, over the limit of "
                + maxCommandBytes + " bytes; split it or raise the limit.");
      }
      Function<SendCommand, CompletableFuture<CommandOutcome>> answer = scripts.get(command.commandId());
      if (answer == null) {
        throw new AssertionError("no outcome scripted for command " + command.commandId());
      }
      return answer.apply(command);
    }
  }
}
