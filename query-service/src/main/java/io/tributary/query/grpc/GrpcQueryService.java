package io.tributary.query.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.core.annotation.Experimental;
import io.tributary.projection.sink.SourcePosition;
import io.tributary.query.QueryEngine;
import io.tributary.query.QueryResult;
import io.tributary.query.ViewPosition;
import io.tributary.query.grpc.v1.Position;
import io.tributary.query.grpc.v1.QueryReply;
import io.tributary.query.grpc.v1.QueryRequest;
import io.tributary.query.grpc.v1.QueryServiceGrpc;
import io.tributary.query.grpc.v1.ReadReply;
import io.tributary.query.grpc.v1.ReadRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tributary.query.v1.QueryService} over a {@link QueryEngine}. Add it to a service's
 * command server ({@code CommandServer.start(settings, gateway, List.of(queryService))}) or serve
 * it alone with {@link QueryServer}. A service's own typed endpoints answer through {@link #serve},
 * with the same waits and statuses.
 *
 * <h2>Statuses</h2>
 *
 * <table>
 *   <caption>What each outcome answers</caption>
 *   <tr><th>Outcome</th><th>Status</th><th>Client should</th></tr>
 *   <tr><td>answered</td><td>OK, with the positions the views held</td><td>use the data</td></tr>
 *   <tr><td>bad input: unknown query or projection (the known ones are listed), undecodable request,
 *       negative partition or offset, a wait above the server's limit, no read</td>
 *       <td>INVALID_ARGUMENT naming it</td><td>fix the request</td></tr>
 *   <tr><td>{@link io.tributary.query.ViewBehindException}</td><td>UNAVAILABLE "view '&lt;p&gt;'
 *       v&lt;N&gt; is behind on partition P: at offset O, the token needs T (T-O events); retry
 *       later", trailers {@link QueryTrailers}</td><td>retry later</td></tr>
 *   <tr><td>{@link io.tributary.core.error.TransientException}: a store cannot be reached, a
 *       projection has no live version yet</td><td>UNAVAILABLE</td><td>retry later</td></tr>
 *   <tr><td>{@link io.tributary.query.QueryFailedException}: the handler threw</td><td>INTERNAL naming
 *       the query</td><td>report it; the server log has the stack trace</td></tr>
 *   <tr><td>{@code Read} refused by the store (a key of another type, a missing index)</td>
 *       <td>FAILED_PRECONDITION</td><td>read it the way the projection writes it</td></tr>
 * </table>
 *
 * <h2>Waiting</h2>
 *
 * A call waits for its position tokens for its {@code max_wait} (absent: the default wait), which
 * must not exceed the limit; the wait ends early enough before the call's deadline (100 ms, or half
 * the time left) that the UNAVAILABLE "behind" answer reaches the client before its own timer.
 * The calling thread blocks for the wait (gRPC's default executor has threads to spare; a server
 * with a fixed executor sizes it for its concurrent waits).
 *
 * <p>Thread-safe.
 */
@Experimental
public final class GrpcQueryService extends QueryServiceGrpc.QueryServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(GrpcQueryService.class);
  private static final Duration DEADLINE_MARGIN = Duration.ofMillis(100);

  private final QueryEngine engine;
  private final Duration defaultWait;
  private final Duration maxWait;

  /**
   * @param engine answers the queries
   * @param defaultWait how long a call without {@code max_wait} waits for its tokens, e.g. 2 s
   * @param maxWait the longest wait a call may ask for; longer is INVALID_ARGUMENT
   * @throws IllegalArgumentException if a wait is negative or the default exceeds the limit
   */
  public GrpcQueryService(QueryEngine engine, Duration defaultWait, Duration maxWait) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.defaultWait = QueryServerSettings.notNegative("defaultWait", defaultWait);
    this.maxWait = QueryServerSettings.notNegative("maxWait", maxWait);
    if (defaultWait.compareTo(maxWait) > 0) {
      throw new IllegalArgumentException("defaultWait " + defaultWait + " exceeds maxWait " + maxWait
          + "; the default must be within the limit.");
    }
  }

  @Override
  public void query(QueryRequest request, StreamObserver<QueryReply> responseObserver) {
    String what = "query '" + request.getQuery() + "'";
    answer(what, responseObserver, () -> {
      if (request.getQuery().isBlank()) {
        throw new IllegalArgumentException("QueryRequest.query is missing: set it to a query's name; known queries: "
            + engine.queryNames() + ".");
      }
      List<SourcePosition> tokens = tokens("QueryRequest", request.getMinPositionsList());
      Duration wait = wait("QueryRequest", request.hasMaxWait() ? toDuration(request.getMaxWait()) : null);
      QueryResult<byte[]> result = engine.queryEncoded(request.getQuery(), request.getRequest().toByteArray(), tokens, wait);
      return QueryReply.newBuilder()
          .setResponse(ByteString.copyFrom(result.response()))
          .addAllPositions(positions(result.positions()))
          .build();
    });
  }

  @Override
  public void read(ReadRequest request, StreamObserver<ReadReply> responseObserver) {
    String what = "read of projection '" + request.getProjection() + "'";
    answer(what, responseObserver, () -> {
      var read = ReadCalls.read(request);
      List<SourcePosition> tokens = tokens("ReadRequest", request.getMinPositionsList());
      Duration wait = wait("ReadRequest", request.hasMaxWait() ? toDuration(request.getMaxWait()) : null);
      QueryResult<ReadReply.Builder> result = engine.read(request.getProjection(), tokens, wait, read);
      return result.response().addAllPositions(positions(result.positions())).build();
    });
  }

  /**
   * Runs query {@code query} and answers the call with {@code reply} of its result, with the
   * statuses of {@code Query}: for a service's own typed endpoints. Blocks for the wait.
   *
   * @param minPositions the caller's position tokens; may be empty
   * @param maxWait how long to wait for them; null for the default wait
   * @param reply builds the endpoint's reply message from the result
   * @param <T> the endpoint's reply message
   */
  public <Q extends Message, R extends Message, T> void serve(String query, Q request, List<SourcePosition> minPositions,
      @Nullable Duration maxWait, StreamObserver<T> observer, Function<QueryResult<R>, T> reply) {
    answer("query '" + query + "'", observer, () -> {
      QueryResult<R> result = engine.query(query, request, minPositions, wait("the query", maxWait));
      return reply.apply(result);
    });
  }

  /** @return the view positions as the reply carries them */
  public static List<io.tributary.query.grpc.v1.ViewPosition> positions(List<ViewPosition> positions) {
    List<io.tributary.query.grpc.v1.ViewPosition> converted = new ArrayList<>(positions.size());
    for (ViewPosition position : positions) {
      converted.add(io.tributary.query.grpc.v1.ViewPosition.newBuilder()
          .setProjection(position.projection())
          .setVersion(position.version())
          .setPartition(position.partition())
          .setOffset(position.offset())
          .build());
    }
    return converted;
  }

  private <T> void answer(String what, StreamObserver<T> observer, Supplier<T> call) {
    T reply;
    try {
      reply = call.get();
    } catch (RuntimeException e) {
      StatusRuntimeException status = QueryStatuses.forFailure(what, e);
      if (status.getStatus().getCode() == Status.Code.INTERNAL) {
        log.warn("The {} failed; answering INTERNAL", what, e);
      }
      if (!cancelled(observer)) {
        observer.onError(status);
      }
      return;
    }
    if (!cancelled(observer)) {
      observer.onNext(reply);
      observer.onCompleted();
    }
  }

  private static boolean cancelled(StreamObserver<?> observer) {
    return observer instanceof ServerCallStreamObserver<?> call && call.isCancelled();
  }

  private static List<SourcePosition> tokens(String message, List<Position> positions) {
    List<SourcePosition> tokens = new ArrayList<>(positions.size());
    for (int i = 0; i < positions.size(); i++) {
      Position position = positions.get(i);
      if (position.getPartition() < 0 || position.getOffset() < 0) {
        throw new IllegalArgumentException(message + ".min_positions[" + i + "] is partition "
            + position.getPartition() + " offset " + position.getOffset()
            + "; both must be >= 0. Pass the last_event of a command reply as it came.");
      }
      tokens.add(new SourcePosition(position.getPartition(), position.getOffset()));
    }
    return tokens;
  }

  private Duration wait(String message, @Nullable Duration requested) {
    Duration wait = requested == null ? defaultWait : requested;
    if (wait.isNegative()) {
      throw new IllegalArgumentException(message + ".max_wait " + wait + " is negative; use zero or more, up to "
          + maxWait + ".");
    }
    if (wait.compareTo(maxWait) > 0) {
      throw new IllegalArgumentException(message + ".max_wait " + wait + " is above this server's limit of "
          + maxWait + "; ask for at most that, and retry later if the view is behind.");
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      long left = Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS));
      Duration beforeDeadline = Duration.ofNanos(left - Math.min(DEADLINE_MARGIN.toNanos(), left / 2));
      if (beforeDeadline.compareTo(wait) < 0) {
        wait = beforeDeadline;
      }
    }
    return wait;
  }

  private static Duration toDuration(com.google.protobuf.Duration duration) {
    return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }
}
