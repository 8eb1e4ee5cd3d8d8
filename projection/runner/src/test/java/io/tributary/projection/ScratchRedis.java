package io.tributary.projection;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import java.util.List;
import java.util.UUID;

/** A Redis connection for one test; the test's keys start with a prefix of their own and are deleted on close. */
final class ScratchRedis implements AutoCloseable {
  final String keyPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  final StatefulRedisConnection<String, String> connection;
  final RedisCommands<String, String> redis;
  private final RedisClient client;

  ScratchRedis(RedisEndpoint endpoint) {
    client = RedisClient.create(RedisURI.create(endpoint.uri()));
    connection = client.connect();
    redis = connection.sync();
  }

  /** @return a sink over this connection whose keys start with this test's prefix and then {@code namespace} */
  RedisViewSink sink(String namespace) {
    return RedisViewSink.over(connection, RedisViewSinkSettings.defaults().withKeyPrefix(keyPrefix + namespace));
  }

  @Override
  public void close() {
    try {
      List<String> keys = redis.keys(keyPrefix + "*");
      if (!keys.isEmpty()) {
        redis.del(keys.toArray(String[]::new));
      }
    } finally {
      connection.close();
      client.shutdown();
    }
  }
}
