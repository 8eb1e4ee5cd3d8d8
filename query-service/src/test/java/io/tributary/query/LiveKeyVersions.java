package io.tributary.query;

import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewVersions;
import java.util.OptionalInt;

/**
 * The live pointers of the tests: the Redis key {@link ViewNames#redisLiveKey} holds the live
 * version, for projections of every store (the tests create Elasticsearch aliases themselves).
 */
final class LiveKeyVersions implements ViewVersions {
  private final RedisCommands<String, String> redis;
  private final String base;

  LiveKeyVersions(RedisCommands<String, String> redis, String base) {
    this.redis = redis;
    this.base = base;
  }

  @Override
  public OptionalInt live(String projection) {
    String version = redis.get(ViewNames.redisLiveKey(base, projection));
    return version == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(version));
  }

  @Override
  public void publish(String projection, int version) {
    redis.set(ViewNames.redisLiveKey(base, projection), Integer.toString(version));
  }

  @Override
  public void drop(String projection, int version) {
    throw new UnsupportedOperationException("the tests never drop a version");
  }
}
