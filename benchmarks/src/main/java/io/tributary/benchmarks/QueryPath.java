package io.tributary.benchmarks;

import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.definition.QueryDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.redis.RedisViewVersions;
import io.tributary.query.QueryEngine;
import io.tributary.query.RegisteredQuery;
import io.tributary.query.grpc.QueryServer;
import io.tributary.query.grpc.QueryServerSettings;
import io.tributary.query.grpc.v1.QueryReply;
import io.tributary.query.grpc.v1.QueryRequest;
import io.tributary.query.grpc.v1.QueryServiceGrpc;
import io.tributary.runtime.Position;
import io.tributary.runtime.bank.Account;
import java.util.concurrent.TimeUnit;

/**
 * The query service as a client meets it in the latency phase: a gRPC {@code QueryServer} on
 * loopback whose one query, {@code deposits}, reads an account's deposit counter from the Redis view,
 * and a blocking client that asks it with a command's position token (read-your-writes).
 */
final class QueryPath implements AutoCloseable {
  static final String QUERY = "deposits";

  private static final QueryDefinition<StringValue, Int64Value> DEPOSITS =
      QueryDefinition.of(QUERY, StringValue.getDefaultInstance(), Int64Value.getDefaultInstance());

  private final QueryServer server;
  private final ManagedChannel channel;
  private final QueryServiceGrpc.QueryServiceBlockingStub client;

  private QueryPath(QueryServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
    this.client = QueryServiceGrpc.newBlockingStub(channel);
  }

  /** @return the service definition of the latency phase: the account aggregate and the {@code deposits} query */
  static ServiceDefinition service(String name) {
    return ServiceDefinition.builder(name).aggregate(Account.DEFINITION).query(DEPOSITS).build();
  }

  /**
   * Serves {@code projection}'s live version from Redis under {@code basePrefix}.
   *
   * @param connection the Redis connection the reader and the version pointer use; stays open
   */
  static QueryPath start(ServiceDefinition service, String projection, String basePrefix,
      StatefulRedisConnection<String, String> connection) {
    QueryEngine engine = QueryEngine.builder(service)
        .redis(RedisViewVersions.over(connection, basePrefix), RedisViewReader.over(connection, basePrefix), projection)
        .query(RegisteredQuery.of(DEPOSITS, (request, views) -> Int64Value.of(views.redis(projection)
            .field("counts:" + request.getValue(), "deposits").map(Long::parseLong).orElse(0L)), projection))
        .build();
    QueryServer server = QueryServer.start(QueryServerSettings.defaults().withHost("127.0.0.1").withPort(0), engine);
    return new QueryPath(server, ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build());
  }

  /** @return the account's deposits as the query service answers once its view reached {@code token} */
  long depositsAfter(String account, Position token) {
    QueryReply reply = client.withDeadlineAfter(30, TimeUnit.SECONDS).query(QueryRequest.newBuilder()
        .setQuery(QUERY)
        .setRequest(StringValue.of(account).toByteString())
        .addMinPositions(io.tributary.query.grpc.v1.Position.newBuilder()
            .setPartition(token.partition()).setOffset(token.offset()))
        .setMaxWait(com.google.protobuf.Duration.newBuilder().setSeconds(10))
        .build());
    try {
      return Int64Value.parseFrom(reply.getResponse()).getValue();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("The deposits query answered bytes that are not an Int64Value", e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
