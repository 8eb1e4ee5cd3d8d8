package io.tributary.runtime;

import static io.tributary.runtime.bank.Account.deposit;
import static io.tributary.runtime.bank.Account.withdraw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import io.tributary.runtime.grpc.CommandTrailers;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import io.tributary.runtime.internal.Topics;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generic gRPC CommandService over a real runtime: replies after the commit, bad input never logged. */
@WithDevServices
class CommandApiIT {
  private static final int LIMIT = 4096;

  @TempDir Path stateDir;
  RuntimeHarness harness;
  TributaryRuntime runtime;
  CommandServer server;
  ManagedChannel channel;
  CommandServiceGrpc.CommandServiceBlockingStub commands;

  @BeforeEach
  void start(KafkaEndpoint kafka) {
    harness = new RuntimeHarness(kafka.bootstrapServers());
    runtime = harness.start(harness.settings(stateDir).withMaxCommandBytes(LIMIT),
        io.tributary.runtime.internal.FaultInjector.none(), null);
    server = CommandServer.start(CommandServerSettings.defaults().withHost("127.0.0.1").withPort(0)
        .withMaxCommandBytes(LIMIT), runtime.commands());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    commands = CommandServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    runtime.close();
  }

  @Test
  void acceptsAndRejectsWithTheCommittedOutcome() {
    SendCommandReply accepted = commands.send(request("g-1", "Account", deposit("dora", 40).toByteString()));
    StatusRuntimeException rejected = catchThrowableOfType(StatusRuntimeException.class,
        () -> commands.send(request("g-2", "Account", withdraw("dora", 90).toByteString())));
    SendCommandReply resent = commands.send(request("g-1", "Account", deposit("dora", 40).toByteString()));

    assertThat(accepted.getAccepted().getVersion()).isEqualTo(1);
    assertThat(accepted.getAccepted().getEventCount()).isEqualTo(1);
    assertThat(accepted.getDuplicate()).isFalse();
    assertThat(resent).isEqualTo(accepted.toBuilder().setDuplicate(true).build());
    assertThat(rejected.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(rejected.getStatus().getDescription()).isEqualTo("INSUFFICIENT_FUNDS: Account dora holds 40, less than 90");
    assertThat(rejected.getTrailers().get(CommandTrailers.REJECTION_CODE)).isEqualTo("INSUFFICIENT_FUNDS");
  }

  @Test
  void refusesBadInputWithInvalidArgumentAndLeavesTheLogUnchanged() {
    ByteString valid = deposit("erin", 5).toByteString();

    assertInvalid(request("b-1", "Acount", valid), "Unknown aggregate type 'Acount'; known types: [Account].");
    assertInvalid(request("b-2", "Account", ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01})),
        "The payload of command b-2 is not a valid 'tributary.test.bank.v1.AccountCommand'");
    assertInvalid(request("", "Account", valid), "command_id");
    assertInvalid(request("b-4", "Account", deposit("x".repeat(LIMIT), 5).toByteString()),
        "the limit is " + LIMIT + " bytes");

    assertThat(TopicLog.endOffsets(harness.bootstrap, Topics.of(harness.service).commands(), RuntimeHarness.PARTITIONS))
        .isZero();
  }

  private void assertInvalid(SendCommandRequest request, String message) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> commands.send(request));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(error.getStatus().getDescription()).contains(message);
  }

  private static SendCommandRequest request(String id, String type, ByteString payload) {
    return SendCommandRequest.newBuilder().setCommandId(id).setAggregateType(type).setPayload(payload).build();
  }
}
