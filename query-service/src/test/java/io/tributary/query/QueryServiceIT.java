package io.tributary.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.codec.ProtobufCodec;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.definition.QueryDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.elasticsearch.ElasticsearchViewReader;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings.RefreshPolicy;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.ScoreAdd;
import io.tributary.query.grpc.QueryServer;
import io.tributary.query.grpc.QueryServerSettings;
import io.tributary.query.grpc.QueryTrailers;
import io.tributary.query.grpc.v1.Position;
import io.tributary.query.grpc.v1.QueryReply;
import io.tributary.query.grpc.v1.QueryRequest;
import io.tributary.query.grpc.v1.QueryServiceGrpc;
import io.tributary.query.grpc.v1.ReadReply;
import io.tributary.query.grpc.v1.ReadRequest;
import io.tributary.query.grpc.v1.ViewPosition;
import io.tributary.query.test.posts.v1.FoundPosts;
import io.tributary.query.test.posts.v1.GetPost;
import io.tributary.query.test.posts.v1.Post;
import io.tributary.query.test.posts.v1.PostPublished;
import io.tributary.query.test.posts.v1.PostState;
import io.tributary.query.test.posts.v1.PublishPost;
import io.tributary.query.test.posts.v1.RankedPosts;
import io.tributary.query.test.posts.v1.SearchPosts;
import io.tributary.query.test.posts.v1.TopPosts;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The query service over a real Redis and Elasticsearch, called by a real gRPC client. Views are
 * written by the real sinks, as a projection runner would, into the namespaces of version 1.
 */
@WithDevServices
class QueryServiceIT {
  private static final String PAGES = "post-pages";
  private static final String SEARCH = "post-search";
  private static final QueryDefinition<GetPost, Post> POST_BY_ID =
      QueryDefinition.of("post-by-id", GetPost.getDefaultInstance(), Post.getDefaultInstance());
  private static final QueryDefinition<TopPosts, RankedPosts> TOP_POSTS =
      QueryDefinition.of("top-posts", TopPosts.getDefaultInstance(), RankedPosts.getDefaultInstance());
  private static final QueryDefinition<SearchPosts, FoundPosts> SEARCH_POSTS =
      QueryDefinition.of("search-posts", SearchPosts.getDefaultInstance(), FoundPosts.getDefaultInstance());
  private static final QueryDefinition<GetPost, Post> BROKEN =
      QueryDefinition.of("broken-post-by-id", GetPost.getDefaultInstance(), Post.getDefaultInstance());
  private static final ObjectMapper JSON = new ObjectMapper();

  private RedisClient redisClient;
  private StatefulRedisConnection<String, String> redis;
  private Rest5ClientTransport transport;
  private ElasticsearchClient elasticsearch;
  private RedisViewSink pagesSink;
  private ElasticsearchViewSink searchSink;
  private ElasticsearchViewReader searchReader;
  private LiveKeyVersions versions;
  private String logicalIndex;
  private QueryServer server;
  private ManagedChannel channel;
  private QueryServiceGrpc.QueryServiceBlockingStub queries;

  @BeforeEach
  void start(RedisEndpoint redisEndpoint, ElasticsearchEndpoint elasticsearchEndpoint) throws IOException {
    String base = "it-" + UUID.randomUUID() + ":";
    redisClient = RedisClient.create(RedisURI.create(redisEndpoint.uri()));
    redis = redisClient.connect();
    versions = new LiveKeyVersions(redis.sync(), base);
    pagesSink = RedisViewSink.over(redis,
        RedisViewSinkSettings.defaults().withKeyPrefix(ViewNames.redisPrefix(base, PAGES, 1)));

    transport = new Rest5ClientTransport(Rest5Client.builder(
        new HttpHost("http", elasticsearchEndpoint.host(), elasticsearchEndpoint.port())).build(), new JacksonJsonpMapper());
    elasticsearch = new ElasticsearchClient(transport);
    ElasticsearchViewSinkSettings searchSettings = ElasticsearchViewSinkSettings.defaults()
        .withPositionsIndex("it-query-positions").withRefresh(RefreshPolicy.WAIT_FOR);
    logicalIndex = "posts-" + UUID.randomUUID();
    String physical = ViewNames.elasticsearchIndex(logicalIndex, 1);
    searchSink = ElasticsearchViewSink.over(elasticsearch, searchSettings);
    searchSink.createIndex(physical, """
        {"properties":{"title":{"type":"text"},"body":{"type":"text"}}}""");
    elasticsearch.indices().updateAliases(u -> u.actions(a -> a.add(add -> add.index(physical).alias(logicalIndex))));
    searchReader = ElasticsearchViewReader.over(elasticsearch, searchSettings);

    ServiceDefinition service = ServiceDefinition.builder("posts")
        .aggregate(AggregateDefinition.of("Post", new PostAggregate())
            .commands(PublishPost.getDefaultInstance())
            .events(PostPublished.getDefaultInstance())
            .state(ProtobufCodec.of(PostState.getDefaultInstance()))
            .keyedBy(PublishPost::getPostId))
        .query(POST_BY_ID).query(TOP_POSTS).query(SEARCH_POSTS).query(BROKEN).build();
    QueryEngine engine = QueryEngine.builder(service)
        .redis(versions, RedisViewReader.over(redis, base), PAGES)
        .elasticsearch(versions, searchReader, SEARCH)
        .query(RegisteredQuery.of(POST_BY_ID, QueryServiceIT::postById, PAGES))
        .query(RegisteredQuery.of(TOP_POSTS, QueryServiceIT::topPosts, PAGES))
        .query(RegisteredQuery.of(SEARCH_POSTS, this::searchPosts, SEARCH))
        // reads a projection it did not declare: a handler bug
        .query(RegisteredQuery.of(BROKEN, (request, views) -> postById(request, views), SEARCH))
        .build();
    server = QueryServer.start(QueryServerSettings.defaults().withHost("127.0.0.1").withPort(0)
        .withMaxWait(Duration.ofSeconds(10)).withShutdownGrace(Duration.ofMillis(500)), engine);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    queries = QueryServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws InterruptedException, IOException {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      redis.close();
      transport.close();
    } finally {
      redisClient.shutdown();
    }
  }

  @Test
  void typedQueryReadsARedisHashByIdWithTheTokenAlreadyReached() throws InvalidProtocolBufferException {
    versions.publish(PAGES, 1);
    writePost(0, 3, "p-1", "Alpine passes", "ayrton");

    QueryReply reply = call(query(POST_BY_ID.name(), GetPost.newBuilder().setPostId("p-1").build(), 0, 3));

    assertThat(Post.parseFrom(reply.getResponse())).isEqualTo(Post.newBuilder()
        .setFound(true).setPostId("p-1").setTitle("Alpine passes").setAuthor("ayrton").build());
    assertThat(reply.getPositionsList()).containsExactly(viewPosition(PAGES, 0, 3));
  }

  @Test
  void typedQueryReadsASortedSetRangeInScoreOrder() throws InvalidProtocolBufferException {
    versions.publish(PAGES, 1);
    pagesSink.apply(ViewNames.positionsId(PAGES, 1), 1, List.of(
        SourcedUpdates.of(1, 10, new ScoreAdd("top", "p-1", 5), new ScoreAdd("top", "p-2", 9)),
        SourcedUpdates.of(1, 11, new ScoreAdd("top", "p-3", 7))));

    QueryReply reply = call(query(TOP_POSTS.name(), TopPosts.newBuilder().setLimit(2).build(), 1, 11));

    assertThat(RankedPosts.parseFrom(reply.getResponse()).getPostsList())
        .extracting(RankedPosts.Ranked::getPostId, RankedPosts.Ranked::getScore)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("p-2", 9.0), org.assertj.core.groups.Tuple.tuple("p-3", 7.0));
    assertThat(reply.getPositionsList()).containsExactly(viewPosition(PAGES, 1, 11));
  }

  @Test
  void typedQuerySearchesElasticsearchByText() throws InvalidProtocolBufferException {
    versions.publish(SEARCH, 1);
    String physical = ViewNames.elasticsearchIndex(logicalIndex, 1);
    searchSink.apply(ViewNames.positionsId(SEARCH, 1), 2, List.of(
        SourcedUpdates.of(2, 4, new PutDocument(physical, "p-1", "{\"title\":\"Alpine passes\",\"body\":\"Stelvio at dawn\"}")),
        SourcedUpdates.of(2, 5, new PutDocument(physical, "p-2", "{\"title\":\"Coastal roads\",\"body\":\"the Amalfi drive\"}"))));

    QueryReply reply = call(query(SEARCH_POSTS.name(), SearchPosts.newBuilder().setText("stelvio").build(), 2, 5));

    assertThat(FoundPosts.parseFrom(reply.getResponse()).getPostsList())
        .containsExactly(FoundPosts.Found.newBuilder().setPostId("p-1").setTitle("Alpine passes").build());
    assertThat(reply.getPositionsList()).contains(viewPosition(SEARCH, 2, 5));
  }

  @Test
  void tokenReachedDuringTheWaitAnswersWithTheNewData() throws Exception {
    versions.publish(PAGES, 1);
    writePost(0, 3, "p-1", "Draft title", "ayrton");
    CompletableFuture<Void> projector = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      writePost(0, 7, "p-1", "Final title", "ayrton");
    });

    QueryReply reply = call(query(POST_BY_ID.name(), GetPost.newBuilder().setPostId("p-1").build(), 0, 7)
        .setMaxWait(com.google.protobuf.Duration.newBuilder().setSeconds(8)).build());

    projector.get(10, TimeUnit.SECONDS);
    assertThat(Post.parseFrom(reply.getResponse()).getTitle()).isEqualTo("Final title");
    assertThat(reply.getPositionsList()).containsExactly(viewPosition(PAGES, 0, 7));
  }

  @Test
  void tokenNeverReachedIsUnavailableWithTheBehindMessageAndTrailers() {
    versions.publish(PAGES, 1);
    writePost(0, 3, "p-1", "Alpine passes", "ayrton");

    assertThatThrownBy(() -> call(query(POST_BY_ID.name(), GetPost.newBuilder().setPostId("p-1").build(), 0, 42)
            .setMaxWait(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).isEqualTo(
              "view 'post-pages' v1 is behind on partition 0: at offset 3, the token needs 42 (39 events); retry later");
          assertThat(e.getTrailers().get(QueryTrailers.BEHIND_PROJECTION)).isEqualTo(PAGES);
          assertThat(e.getTrailers().get(QueryTrailers.BEHIND_PARTITION)).isEqualTo("0");
          assertThat(e.getTrailers().get(QueryTrailers.BEHIND_OFFSET)).isEqualTo("3");
          assertThat(e.getTrailers().get(QueryTrailers.BEHIND_NEEDED)).isEqualTo("42");
        });
  }

  @Test
  void badQueriesAreInvalidArgumentNamingTheProblem() {
    versions.publish(PAGES, 1);
    GetPost request = GetPost.newBuilder().setPostId("p-1").build();

    assertInvalid(query("post-by-name", request, 0, 0).build(),
        "Unknown query 'post-by-name'", "[broken-post-by-id, post-by-id, search-posts, top-posts]");
    assertInvalid(QueryRequest.newBuilder().setQuery(POST_BY_ID.name())
            .setRequest(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff})).build(),
        "does not decode as tributary.test.posts.v1.GetPost");
    assertInvalid(query(POST_BY_ID.name(), request, -1, 0).build(), "min_positions[0]", "partition -1");
    assertInvalid(query(POST_BY_ID.name(), request, 0, -5).build(), "min_positions[0]", "offset -5");
    assertInvalid(query(POST_BY_ID.name(), request, 0, 0)
            .setMaxWait(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build(),
        "max_wait PT1M is above this server's limit of PT10S");
  }

  @Test
  void handlerFailureIsInternalNamingTheQuery() {
    versions.publish(SEARCH, 1);

    // no token: the handler runs at once
    assertThatThrownBy(() -> call(QueryRequest.newBuilder().setQuery(BROKEN.name())
            .setRequest(GetPost.newBuilder().setPostId("p-1").build().toByteString())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription())
              .contains("Query 'broken-post-by-id' failed in its handler")
              .contains("projection 'post-pages', which it did not declare");
        });
  }

  @Test
  void unpublishedProjectionIsUnavailable() {
    assertThatThrownBy(() -> call(query(POST_BY_ID.name(), GetPost.newBuilder().setPostId("p-1").build(), 0, 0)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("Projection 'post-pages'").contains("no live version yet");
        });
  }

  @Test
  void genericReadServesRedisStructuresAndDocumentsWithPositions() {
    versions.publish(PAGES, 1);
    versions.publish(SEARCH, 1);
    writePost(0, 3, "p-1", "Alpine passes", "ayrton");
    pagesSink.apply(ViewNames.positionsId(PAGES, 1), 1, List.of(
        SourcedUpdates.of(1, 10, new ScoreAdd("top", "p-1", 5), new ScoreAdd("top", "p-2", 9))));
    searchSink.apply(ViewNames.positionsId(SEARCH, 1), 0, List.of(SourcedUpdates.of(0, 8,
        new PutDocument(ViewNames.elasticsearchIndex(logicalIndex, 1), "p-1", "{\"title\":\"Alpine passes\"}"))));

    ReadReply hash = read(ReadRequest.newBuilder().setProjection(PAGES)
        .setRedisHash(ReadRequest.RedisHash.newBuilder().setKey("post:p-1")).addMinPositions(position(0, 3)));
    ReadReply field = read(ReadRequest.newBuilder().setProjection(PAGES)
        .setRedisHash(ReadRequest.RedisHash.newBuilder().setKey("post:p-1").setField("author")));
    ReadReply missing = read(ReadRequest.newBuilder().setProjection(PAGES)
        .setRedisValue(ReadRequest.RedisKey.newBuilder().setKey("nothing-here")));
    ReadReply range = read(ReadRequest.newBuilder().setProjection(PAGES)
        .setRedisRange(ReadRequest.RedisRange.newBuilder().setKey("top").setStart(0).setStop(-1).setDescending(true)));
    ReadReply document = read(ReadRequest.newBuilder().setProjection(SEARCH)
        .setDocument(ReadRequest.DocumentGet.newBuilder().setIndex(logicalIndex).setId("p-1"))
        .addMinPositions(position(0, 8)));

    assertThat(hash.getFields().getFieldsMap()).isEqualTo(Map.of("title", "Alpine passes", "author", "ayrton"));
    assertThat(hash.getPositionsList()).containsExactly(viewPosition(PAGES, 0, 3), viewPosition(PAGES, 1, 10));
    assertThat(field.getFound()).isTrue();
    assertThat(field.getValue()).isEqualTo("ayrton");
    assertThat(missing.getFound()).isFalse();
    assertThat(range.getMembers().getMembersList()).extracting(ReadReply.Member::getMember).containsExactly("p-2", "p-1");
    assertThat(document.getDocumentJson()).isEqualTo("{\"title\":\"Alpine passes\"}");
    assertThat(document.getPositionsList()).contains(viewPosition(SEARCH, 0, 8));
  }

  @Test
  void genericReadOfAnUnknownProjectionNamesTheKnownOnes() {
    assertThatThrownBy(() -> read(ReadRequest.newBuilder().setProjection("post-pagez")
            .setRedisValue(ReadRequest.RedisKey.newBuilder().setKey("a"))))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .contains("Unknown projection 'post-pagez'").contains("[post-pages, post-search]");
        });
  }

  @Test
  void healthIsServingAndReflectionListsTheQueryService() throws Exception {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService(QueryServiceGrpc.SERVICE_NAME).build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);

    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            response.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            response.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            response.completeExceptionally(new AssertionError("reflection ended without a response"));
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
    requests.onCompleted();

    assertThat(reflected(response).getListServicesResponse().getServiceList())
        .extracting(ServiceResponse::getName)
        .contains("tributary.query.v1.QueryService", "grpc.health.v1.Health");
  }

  private static ServerReflectionResponse reflected(CompletableFuture<ServerReflectionResponse> response)
      throws InterruptedException {
    try {
      return response.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("reflection failed", e);
    }
  }

  /** The command side of the test service; the queries never touch it. */
  private static final class PostAggregate implements Aggregate<PublishPost, PostState, PostPublished> {
    @Override
    public PostState initialState() {
      return PostState.getDefaultInstance();
    }

    @Override
    public Decision<PostPublished> decide(PublishPost command, PostState state) {
      return Decision.accept(PostPublished.newBuilder().setPostId(command.getPostId()).setTitle(command.getTitle()).build());
    }

    @Override
    public PostState evolve(PostState state, PostPublished event) {
      return PostState.newBuilder().setPublished(true).build();
    }
  }

  private static Post postById(GetPost request, ReadModels views) {
    SortedMap<String, String> fields = views.redis(PAGES).fields("post:" + request.getPostId());
    Post.Builder post = Post.newBuilder().setPostId(request.getPostId());
    if (!fields.isEmpty()) {
      post.setFound(true).setTitle(fields.getOrDefault("title", "")).setAuthor(fields.getOrDefault("author", ""));
    }
    return post.build();
  }

  private static RankedPosts topPosts(TopPosts request, ReadModels views) {
    RankedPosts.Builder ranked = RankedPosts.newBuilder();
    for (RedisViewReader.ScoredMember member : views.redis(PAGES).range("top", 0, request.getLimit() - 1, true)) {
      ranked.addPosts(RankedPosts.Ranked.newBuilder().setPostId(member.member()).setScore(member.score()));
    }
    return ranked.build();
  }

  private FoundPosts searchPosts(SearchPosts request, ReadModels views) {
    FoundPosts.Builder found = FoundPosts.newBuilder();
    for (ElasticsearchViewReader.SearchHit hit :
        views.search(SEARCH).search(logicalIndex, request.getText(), List.of("title", "body"), 0, 10)) {
      try {
        JsonNode document = JSON.readTree(hit.json());
        found.addPosts(FoundPosts.Found.newBuilder().setPostId(hit.id()).setTitle(document.path("title").asText()));
      } catch (IOException e) {
        throw new IllegalStateException("document " + hit.id() + " is not JSON: " + hit.json(), e);
      }
    }
    return found.build();
  }

  private void writePost(int partition, long offset, String id, String title, String author) {
    pagesSink.apply(ViewNames.positionsId(PAGES, 1), partition, List.of(
        SourcedUpdates.of(partition, offset, new PutFields("post:" + id, Map.of("title", title, "author", author)))));
  }

  private static QueryRequest.Builder query(String name, com.google.protobuf.Message request, int partition, long offset) {
    return QueryRequest.newBuilder().setQuery(name).setRequest(request.toByteString())
        .addMinPositions(position(partition, offset));
  }

  private QueryReply call(QueryRequest.Builder request) {
    return call(request.build());
  }

  private QueryReply call(QueryRequest request) {
    return queries.withDeadlineAfter(20, TimeUnit.SECONDS).query(request);
  }

  private ReadReply read(ReadRequest.Builder request) {
    return queries.withDeadlineAfter(20, TimeUnit.SECONDS).read(request.build());
  }

  private void assertInvalid(QueryRequest request, String... fragments) {
    assertThatThrownBy(() -> call(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          for (String fragment : fragments) {
            assertThat(e.getStatus().getDescription()).contains(fragment);
          }
        });
  }

  private static Position position(int partition, long offset) {
    return Position.newBuilder().setPartition(partition).setOffset(offset).build();
  }

  private static ViewPosition viewPosition(String projection, int partition, long offset) {
    return ViewPosition.newBuilder().setProjection(projection).setVersion(1).setPartition(partition).setOffset(offset).build();
  }
}
