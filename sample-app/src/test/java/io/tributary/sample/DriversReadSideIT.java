package io.tributary.sample;

import static io.tributary.sample.SampleCommands.archive;
import static io.tributary.sample.SampleCommands.bump;
import static io.tributary.sample.SampleCommands.comment;
import static io.tributary.sample.SampleCommands.create;
import static io.tributary.sample.SampleCommands.join;
import static io.tributary.sample.SampleCommands.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.query.grpc.QueryTrailers;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.sample.api.v1.CommandReply;
import io.tributary.sample.api.v1.Consistency;
import io.tributary.sample.api.v1.DriversApiGrpc;
import io.tributary.sample.api.v1.DriversQueriesGrpc;
import io.tributary.sample.api.v1.FeedRequest;
import io.tributary.sample.api.v1.GetPostRequest;
import io.tributary.sample.api.v1.GetTribeRequest;
import io.tributary.sample.api.v1.PostCommandRequest;
import io.tributary.sample.api.v1.PostPage;
import io.tributary.sample.api.v1.PostSummary;
import io.tributary.sample.api.v1.Position;
import io.tributary.sample.api.v1.SearchPostsRequest;
import io.tributary.sample.api.v1.TopPostsRequest;
import io.tributary.sample.api.v1.TribeCommandRequest;
import io.tributary.sample.api.v1.TribePage;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.tribe.v1.TribeCommand;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample's read side end to end on the real broker, Redis and Elasticsearch: commands through
 * the typed command API, then queries through the typed query API with the command's position
 * token, so every read sees the write it follows (read-your-writes) without sleeping.
 */
@WithDevServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DriversReadSideIT {
  private static final long DEADLINE_SECONDS = 60;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private DriversApp app;
  private ManagedChannel channel;

  @BeforeAll
  void start(KafkaEndpoint kafka, RedisEndpoint redis, ElasticsearchEndpoint elasticsearch, @TempDir Path dataDir) {
    DriversAppConfig config = DriversAppConfig.load(
        Map.of(
            DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
            DriversAppConfig.DATA_DIR, dataDir.toString(),
            DriversAppConfig.GRPC_PORT, "0"),
        Map.of());
    RuntimeSettings settings = config.runtimeSettings(kafka.bootstrapServers());
    var readSide = new DriversReadSide.Settings(kafka.bootstrapServers(), redis.uri(), elasticsearch.httpUri(),
        config.projectionStateDir(), "it-" + run + ":");
    app = DriversApp.start(settings, config.serverSettings(settings), readSide, new SimpleMeterRegistry());
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", app.port()).usePlaintext().build();
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
  void aTribePageReflectsTheCommandWhoseTokenTheQueryCarries() {
    String tribe = id("tribe");
    sendTribe(create(tribe, "ayrton", "Alpine passes"));
    CommandReply joined = sendTribe(join(tribe, "niki"));

    TribePage page = queries().getTribe(GetTribeRequest.newBuilder().setTribeId(tribe)
        .setConsistency(after(joined)).build());

    assertThat(page.getName()).isEqualTo("Alpine passes");
    assertThat(page.getFounderId()).isEqualTo("ayrton");
    assertThat(page.getMemberCount()).isEqualTo(2);
    assertThat(page.getAsOfList()).anySatisfy(position -> {
      assertThat(position.getProjection()).isEqualTo("tribe-pages");
      assertThat(position.getPartition()).isEqualTo(joined.getLastEvent().getPartition());
      assertThat(position.getOffset()).isGreaterThanOrEqualTo(joined.getLastEvent().getOffset());
    });
  }

  @Test
  void countersTopPostsAndFeedFollowBumpsAndComments() {
    String tribe = id("tribe");
    String quiet = id("post");
    String popular = id("post");
    String reader = id("driver");
    sendTribe(create(tribe, "niki", "Dolomites"));
    sendTribe(join(tribe, reader));
    sendPost(publish(quiet, "niki", tribe, "Passo Giau", "29 hairpins"));
    sendPost(publish(popular, "ayrton", tribe, "Stelvio", "48 hairpins"));
    sendPost(bump(popular, "niki"));
    sendPost(bump(popular, "alain"));
    CommandReply commented = sendPost(comment(popular, "alain", "c1", "Go early"));

    PostPage page = queries().getPost(GetPostRequest.newBuilder().setPostId(popular)
        .setConsistency(after(commented)).build());
    assertThat(page.getBumps()).isEqualTo(2);
    assertThat(page.getComments()).isEqualTo(1);
    assertThat(page.getCommentTextsMap()).containsEntry("c1", "alain: Go early");

    var top = queries().topPosts(TopPostsRequest.newBuilder().setTribeId(tribe).setConsistency(after(commented))
        .build());
    assertThat(top.getPostsList()).extracting(PostSummary::getPostId).containsExactly(popular, quiet);
    assertThat(top.getPosts(0).getBumps()).isEqualTo(2);

    CommandReply archived = sendPost(archive(quiet, "niki"));
    var feed = queries().feed(FeedRequest.newBuilder().setDriverId(reader).setConsistency(after(archived)).build());
    assertThat(feed.getPostsList()).extracting(PostSummary::getPostId).containsExactly(popular);
  }

  @Test
  void searchFindsAPostByItsWordsOnceItsTokenIsReached() {
    String tribe = id("tribe");
    String post = id("post");
    sendTribe(create(tribe, "jim", "Highlands"));
    CommandReply published = sendPost(publish(post, "jim", tribe, "Bealach na Ba " + run, "The steepest road climb"));

    var hits = queries().searchPosts(SearchPostsRequest.newBuilder().setText("bealach " + run)
        .setConsistency(after(published)).build());

    assertThat(hits.getPostsList()).extracting(PostSummary::getPostId).contains(post);
    assertThat(hits.getAsOfList()).extracting(position -> position.getProjection()).contains("post-search");
  }

  @Test
  void aTokenTheViewsCannotReachInTimeIsUnavailableSayingHowFarBehind() {
    String tribe = id("tribe");
    CommandReply created = sendTribe(create(tribe, "graham", "Monaco"));
    Position beyond = created.getLastEvent().toBuilder().setOffset(created.getLastEvent().getOffset() + 1_000_000)
        .build();

    StatusRuntimeException behind = catchThrowableOfType(StatusRuntimeException.class, () -> queries().getTribe(
        GetTribeRequest.newBuilder().setTribeId(tribe).setConsistency(Consistency.newBuilder().addAfter(beyond)
            .setMaxWait(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))).build()));

    assertThat(behind.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(behind.getStatus().getDescription()).contains("tribe-pages", "is behind");
    assertThat(behind.getTrailers().get(QueryTrailers.BEHIND_NEEDED)).isEqualTo(Long.toString(beyond.getOffset()));
  }

  @Test
  void anUnknownPostIsNotFoundAndABlankIdIsInvalid() {
    StatusRuntimeException missing = catchThrowableOfType(StatusRuntimeException.class,
        () -> queries().getPost(GetPostRequest.newBuilder().setPostId(id("nothing")).build()));
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

    StatusRuntimeException blank = catchThrowableOfType(StatusRuntimeException.class,
        () -> queries().getPost(GetPostRequest.getDefaultInstance()));
    assertThat(blank.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(blank.getStatus().getDescription()).contains("post_id");
  }

  private String id(String kind) {
    return kind + "-" + run + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  private static Consistency after(CommandReply reply) {
    return Consistency.newBuilder().addAfter(reply.getLastEvent())
        .setMaxWait(com.google.protobuf.Duration.newBuilder().setSeconds(10)).build();
  }

  private DriversQueriesGrpc.DriversQueriesBlockingStub queries() {
    return DriversQueriesGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private CommandReply sendTribe(TribeCommand command) {
    return DriversApiGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .sendTribeCommand(TribeCommandRequest.newBuilder().setCommandId(UUID.randomUUID().toString())
            .setCommand(command).build());
  }

  private CommandReply sendPost(PostCommand command) {
    return DriversApiGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .sendPostCommand(PostCommandRequest.newBuilder().setCommandId(UUID.randomUUID().toString())
            .setCommand(command).build());
  }
}
