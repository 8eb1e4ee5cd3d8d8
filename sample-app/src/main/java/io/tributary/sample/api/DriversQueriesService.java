package io.tributary.sample.api;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tributary.projection.sink.SourcePosition;
import io.tributary.query.QueryResult;
import io.tributary.query.ViewPosition;
import io.tributary.query.grpc.GrpcQueryService;
import io.tributary.sample.api.v1.Consistency;
import io.tributary.sample.api.v1.DriversQueriesGrpc;
import io.tributary.sample.api.v1.FeedRequest;
import io.tributary.sample.api.v1.GetPostRequest;
import io.tributary.sample.api.v1.GetTribeRequest;
import io.tributary.sample.api.v1.PostList;
import io.tributary.sample.api.v1.PostPage;
import io.tributary.sample.api.v1.SearchPostsRequest;
import io.tributary.sample.api.v1.TopPostsRequest;
import io.tributary.sample.api.v1.TribePage;
import io.tributary.sample.views.DriversQueries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Serves {@code tributary.sample.api.v1.DriversQueries}: each call runs one of {@link
 * DriversQueries} through the generic {@link GrpcQueryService}, so read-your-writes waits, the
 * "behind" status and store failures answer exactly as the generic {@code QueryService} does. The
 * reply carries the view positions it reflects ({@code as_of}); a tribe or post that is not in the
 * views is NOT_FOUND. Thread-safe.
 */
public final class DriversQueriesService extends DriversQueriesGrpc.DriversQueriesImplBase {
  private final GrpcQueryService queries;

  /** @param queries the generic query service over the drivers service's query engine */
  public DriversQueriesService(GrpcQueryService queries) {
    this.queries = Objects.requireNonNull(queries, "queries");
  }

  @Override
  public void getTribe(GetTribeRequest request, StreamObserver<TribePage> observer) {
    serve(DriversQueries.GET_TRIBE.name(), request, request.getConsistency(), observer, (TribePage page, List<
        io.tributary.sample.api.v1.ViewPosition> asOf) -> {
      if (page.getTribeId().isEmpty()) {
        throw notFound("tribe", request.getTribeId(), asOf);
      }
      return page.toBuilder().addAllAsOf(asOf).build();
    });
  }

  @Override
  public void getPost(GetPostRequest request, StreamObserver<PostPage> observer) {
    serve(DriversQueries.GET_POST.name(), request, request.getConsistency(), observer, (PostPage page, List<
        io.tributary.sample.api.v1.ViewPosition> asOf) -> {
      if (page.getPostId().isEmpty()) {
        throw notFound("post", request.getPostId(), asOf);
      }
      return page.toBuilder().addAllAsOf(asOf).build();
    });
  }

  @Override
  public void topPosts(TopPostsRequest request, StreamObserver<PostList> observer) {
    serve(DriversQueries.TOP_POSTS.name(), request, request.getConsistency(), observer, DriversQueriesService::list);
  }

  @Override
  public void feed(FeedRequest request, StreamObserver<PostList> observer) {
    serve(DriversQueries.FEED.name(), request, request.getConsistency(), observer, DriversQueriesService::list);
  }

  @Override
  public void searchPosts(SearchPostsRequest request, StreamObserver<PostList> observer) {
    serve(DriversQueries.SEARCH_POSTS.name(), request, request.getConsistency(), observer,
        DriversQueriesService::list);
  }

  /** Builds an endpoint's reply from the query's response and the positions it reflects. */
  @FunctionalInterface
  private interface Reply<R, T> {
    T of(R response, List<io.tributary.sample.api.v1.ViewPosition> asOf);
  }

  private <Q extends Message, R extends Message> void serve(String query, Q request, Consistency consistency,
      StreamObserver<R> observer, Reply<R, R> reply) {
    List<SourcePosition> after = new ArrayList<>(consistency.getAfterCount());
    for (var position : consistency.getAfterList()) {
      if (position.getPartition() < 0 || position.getOffset() < 0) {
        observer.onError(Status.INVALID_ARGUMENT.withDescription("consistency.after has partition "
            + position.getPartition() + " offset " + position.getOffset() + "; pass a command reply's last_event "
            + "as it came.").asRuntimeException());
        return;
      }
      after.add(new SourcePosition(position.getPartition(), position.getOffset()));
    }
    @Nullable Duration maxWait = consistency.hasMaxWait()
        ? Duration.ofSeconds(consistency.getMaxWait().getSeconds(), consistency.getMaxWait().getNanos())
        : null;
    Function<QueryResult<R>, R> toReply = result -> reply.of(result.response(), asOf(result.positions()));
    queries.serve(query, request, after, maxWait, observer, toReply);
  }

  private static PostList list(PostList list, List<io.tributary.sample.api.v1.ViewPosition> asOf) {
    return list.toBuilder().addAllAsOf(asOf).build();
  }

  private static List<io.tributary.sample.api.v1.ViewPosition> asOf(List<ViewPosition> positions) {
    return positions.stream().map(position -> io.tributary.sample.api.v1.ViewPosition.newBuilder()
        .setProjection(position.projection())
        .setVersion(position.version())
        .setPartition(position.partition())
        .setOffset(position.offset())
        .build()).toList();
  }

  private static RuntimeException notFound(String what, String id,
      List<io.tributary.sample.api.v1.ViewPosition> asOf) {
    String positions = asOf.stream().map(p -> p.getProjection() + " v" + p.getVersion() + " " + p.getPartition() + ":"
        + p.getOffset()).toList().toString();
    return Status.NOT_FOUND.withDescription("No " + what + " '" + id + "' in the views as of " + positions
        + ". If it was just created, pass the command reply's last_event in consistency.after.")
        .asRuntimeException();
  }
}
