package io.tributary.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static io.tributary.sample.SampleCommands.archive;
import static io.tributary.sample.SampleCommands.bump;
import static io.tributary.sample.SampleCommands.create;
import static io.tributary.sample.SampleCommands.join;
import static io.tributary.sample.SampleCommands.publish;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.grpc.CommandTrailers;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import io.tributary.sample.api.v1.CommandReply;
import io.tributary.sample.api.v1.DriversApiGrpc;
import io.tributary.sample.api.v1.PostCommandRequest;
import io.tributary.sample.api.v1.TribeCommandRequest;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.tribe.v1.TribeCommand;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's wiring against a real broker, through a real gRPC channel: one app for the class, each
 * test on its own tribes and posts. Offsets are compared, not fixed: each transaction also writes a
 * commit marker into the events partition.
 */
@WithDevServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriversAppIT {
  // the first commands wait for the group's first partition assignment
  private static final long DEADLINE_SECONDS = 60;

  private DriversApp app;
  private ManagedChannel channel;
  private Partitioner partitioner;

  @BeforeAll
  void start(KafkaEndpoint kafka, @TempDir Path dataDir) {
    DriversAppConfig config = DriversAppConfig.load(
        Map.of(
            DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
            DriversAppConfig.DATA_DIR, dataDir.toString(),
            DriversAppConfig.GRPC_PORT, "0"),
        Map.of());
    RuntimeSettings settings = config.runtimeSettings(kafka.bootstrapServers());
    app = DriversApp.start(settings, config.serverSettings(settings), new SimpleMeterRegistry());
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.port()).usePlaintext().build();
    partitioner = new Partitioner(settings.partitions());
  }

  @AfterAll
  void stop() throws InterruptedException {
    try {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      if (app != null) {
        app.close();
      }
    }
  }

  @Test
  void createsAndJoinsATribeAndRejectsADuplicateJoinWithItsTrailers() {
    CommandReply created = sendTribe("create-alpine", create("alpine", "ayrton", "Alpine passes"));
    CommandReply joined = sendTribe("join-alpine-niki", join("alpine", "niki"));

    assertThat(created.getCommandId()).isEqualTo("create-alpine");
    assertThat(created.getVersion()).isEqualTo(1);
    assertThat(created.getEventCount()).isEqualTo(1);
    assertThat(created.getLastEvent().getPartition()).isEqualTo(partitioner.partitionFor("alpine"));
    assertThat(created.getDuplicate()).isFalse();
    assertThat(joined.getCommandId()).isEqualTo("join-alpine-niki");
    assertThat(joined.getVersion()).isEqualTo(2);
    assertThat(joined.getEventCount()).isEqualTo(1);
    assertThat(joined.getLastEvent().getPartition()).isEqualTo(created.getLastEvent().getPartition());
    assertThat(joined.getLastEvent().getOffset()).isGreaterThan(created.getLastEvent().getOffset());
    assertThat(joined.getDuplicate()).isFalse();

    StatusRuntimeException again = rejection(api -> api.sendTribeCommand(
        tribeRequest("join-alpine-niki-again", join("alpine", "niki"))));

    assertThat(again.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(again.getStatus().getDescription())
        .isEqualTo("ALREADY_MEMBER: Driver niki is already a member of tribe alpine");
    Metadata trailers = again.getTrailers();
    assertThat(trailers).isNotNull();
    assertThat(trailers.get(CommandTrailers.REJECTION_CODE)).isEqualTo("ALREADY_MEMBER");
    assertThat(trailers.get(CommandTrailers.REJECTION_MESSAGE))
        .isEqualTo("Driver niki is already a member of tribe alpine");
    assertThat(trailers.get(CommandTrailers.DUPLICATE)).isNull();
  }

  @Test
  void publishesAPostAndLetsEachDriverBumpItOnce() {
    sendTribe("create-dolomites", create("dolomites", "niki", "Dolomites"));
    CommandReply published = sendPost("publish-stelvio", publish("stelvio", "niki", "dolomites"));
    CommandReply bumped = sendPost("bump-stelvio-ayrton", bump("stelvio", "ayrton"));

    assertThat(published.getVersion()).isEqualTo(1);
    assertThat(published.getEventCount()).isEqualTo(1);
    assertThat(published.getLastEvent().getPartition()).isEqualTo(partitioner.partitionFor("stelvio"));
    assertThat(bumped.getVersion()).isEqualTo(2);
    assertThat(bumped.getEventCount()).isEqualTo(1);
    assertThat(bumped.getLastEvent().getPartition()).isEqualTo(published.getLastEvent().getPartition());
    assertThat(bumped.getLastEvent().getOffset()).isGreaterThan(published.getLastEvent().getOffset());

    StatusRuntimeException bumpedAgain = rejection(api -> api.sendPostCommand(
        postRequest("bump-stelvio-ayrton-again", bump("stelvio", "ayrton"))));

    assertThat(bumpedAgain.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(bumpedAgain.getStatus().getDescription())
        .isEqualTo("ALREADY_BUMPED: Driver ayrton has already bumped post stelvio; each driver bumps a post once");
    assertThat(bumpedAgain.getTrailers().get(CommandTrailers.REJECTION_CODE)).isEqualTo("ALREADY_BUMPED");
  }

  @Test
  void answersAnAcceptedNoOpWithoutAPosition() {
    sendPost("publish-furka", publish("furka", "ayrton", "alps"));
    CommandReply archived = sendPost("archive-furka", archive("furka", "ayrton"));
    CommandReply archivedAgain = sendPost("archive-furka-again", archive("furka", "ayrton"));

    assertThat(archived.getVersion()).isEqualTo(2);
    assertThat(archived.getEventCount()).isEqualTo(1);
    assertThat(archivedAgain.getVersion()).isEqualTo(2);
    assertThat(archivedAgain.getEventCount()).isZero();
    assertThat(archivedAgain.hasLastEvent()).isFalse();
    assertThat(archivedAgain.getDuplicate()).isFalse();
  }

  @Test
  void aResentCommandIdReturnsTheFirstReplyMarkedDuplicateOnBothApis() {
    CommandReply first = sendTribe("create-vosges", create("vosges", "jim", "Vosges"));
    CommandReply resent = sendTribe("create-vosges", create("vosges", "jim", "Vosges"));
    SendCommandReply resentGeneric = generic().send(SendCommandRequest.newBuilder()
        .setCommandId("create-vosges")
        .setAggregateType("Tribe")
        .setPayload(create("vosges", "jim", "Vosges").toByteString())
        .build());

    assertThat(resent).isEqualTo(first.toBuilder().setDuplicate(true).build());
    assertThat(resentGeneric.getCommandId()).isEqualTo("create-vosges");
    assertThat(resentGeneric.getDuplicate()).isTrue();
    assertThat(resentGeneric.getAccepted().getVersion()).isEqualTo(first.getVersion());
    assertThat(resentGeneric.getAccepted().getEventCount()).isEqualTo(first.getEventCount());
    assertThat(resentGeneric.getAccepted().getLastEvent().getPartition())
        .isEqualTo(first.getLastEvent().getPartition());
    assertThat(resentGeneric.getAccepted().getLastEvent().getOffset()).isEqualTo(first.getLastEvent().getOffset());
  }

  @Test
  void aResentRejectedCommandIsRejectedAgainMarkedDuplicate() {
    sendTribe("create-jura", create("jura", "jim", "Jura"));
    TribeCommandRequest joinAgain = tribeRequest("join-jura-jim", join("jura", "jim"));

    StatusRuntimeException first = rejection(api -> api.sendTribeCommand(joinAgain));
    StatusRuntimeException resent = rejection(api -> api.sendTribeCommand(joinAgain));

    assertThat(first.getTrailers().get(CommandTrailers.DUPLICATE)).isNull();
    assertThat(resent.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(resent.getStatus().getDescription()).isEqualTo(first.getStatus().getDescription());
    assertThat(resent.getTrailers().get(CommandTrailers.REJECTION_CODE)).isEqualTo("ALREADY_MEMBER");
    assertThat(resent.getTrailers().get(CommandTrailers.DUPLICATE)).isEqualTo("true");
  }

  @Test
  void refusesAnUnknownAggregateTypeOnTheGenericService() {
    SendCommandRequest request = SendCommandRequest.newBuilder()
        .setCommandId("create-tribee")
        .setAggregateType("Tribee")
        .setPayload(create("tatras", "ayrton", "Tatras").toByteString())
        .build();

    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
        () -> generic().send(request));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("Unknown aggregate type 'Tribee'; known types: [Post, Tribe].");
  }

  @Test
  void refusesATypedRequestWithoutCommandIdOrCommand() {
    StatusRuntimeException refused = rejection(api -> api.sendPostCommand(PostCommandRequest.getDefaultInstance()));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription()).isEqualTo(
        "PostCommandRequest.command_id is missing: set it to an id unique to this command, e.g. a UUID;"
            + " resending the same id returns the first outcome instead of applying it twice."
            + " PostCommandRequest.command is missing: set it to the PostCommand to send, with its post_id and"
            + " one kind.");
  }

  @Test
  void refusesATypedCommandWithoutAnAggregateIdBeforeItReachesTheLog() {
    StatusRuntimeException refused = rejection(api -> api.sendTribeCommand(
        tribeRequest("join-nowhere", join("", "niki"))));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription()).contains("has no aggregate id");
  }

  private DriversApiGrpc.DriversApiBlockingStub api() {
    return DriversApiGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private CommandServiceGrpc.CommandServiceBlockingStub generic() {
    return CommandServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private CommandReply sendTribe(String commandId, TribeCommand command) {
    return api().sendTribeCommand(tribeRequest(commandId, command));
  }

  private CommandReply sendPost(String commandId, PostCommand command) {
    return api().sendPostCommand(postRequest(commandId, command));
  }

  private StatusRuntimeException rejection(Function<DriversApiGrpc.DriversApiBlockingStub, CommandReply> call) {
    StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, () -> call.apply(api()));
    assertThat(failure).as("the call should fail with a status").isNotNull();
    return failure;
  }

  private static TribeCommandRequest tribeRequest(String commandId, TribeCommand command) {
    return TribeCommandRequest.newBuilder().setCommandId(commandId).setCommand(command).build();
  }

  private static PostCommandRequest postRequest(String commandId, PostCommand command) {
    return PostCommandRequest.newBuilder().setCommandId(commandId).setCommand(command).build();
  }
}
