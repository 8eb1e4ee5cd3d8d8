package io.tributary.projection.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import io.tributary.projection.sink.ViewVersions;
import io.tributary.projection.sink.ViewVersionsContractTest;
import io.tributary.testkit.WithDevServices;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithDevServices
class RedisViewVersionsIT extends ViewVersionsContractTest {

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> redis;
  private RedisURI uri;
  private String base = "";
  private RedisViewVersions versions;

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    uri = RedisURI.create(endpoint.uri());
    client = RedisClient.create(uri);
    connection = client.connect();
    redis = connection.sync();
    base = "it:" + UUID.randomUUID() + ":";
    versions = RedisViewVersions.over(connection, base);
  }

  @AfterEach
  void disconnect() {
    try {
      connection.close();
    } finally {
      client.shutdown();
    }
  }

  @Override
  protected ViewVersions versions() {
    return versions;
  }

  @Override
  protected ViewSink openSink(int version) {
    return RedisViewSink.connect(uri, RedisViewSinkSettings.forVersion(base, projection, version));
  }

  @Override
  protected ViewUpdate put(String id, String value) {
    return new PutValue(id, value);
  }

  @Override
  protected Optional<String> readLive(String id) {
    // what a reader does: the pointer, then the key under the live version's prefix
    String live = redis.get(ViewNames.redisLiveKey(base, projection));
    if (live == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(redis.get(ViewNames.redisPrefix(base, projection, Integer.parseInt(live)) + id));
  }

  @Override
  protected Optional<String> readVersion(int version, String id) {
    return Optional.ofNullable(redis.get(ViewNames.redisPrefix(base, projection, version) + id));
  }

  @Test
  void pointerIsTheLiveKeyHoldingTheVersion() {
    versions.publish(projection, 3);
    assertThat(redis.get(base + "tributary:live:" + projection)).isEqualTo("3");
  }

  @Test
  void forVersionPutsViewsAndPositionsUnderTheVersionPrefix() {
    try (RedisViewSink sink = RedisViewSink.connect(uri, RedisViewSinkSettings.forVersion(base, "posts", 2))) {
      sink.apply("posts.v2", 0, List.of(SourcedUpdates.of(0, 4, new PutValue("post:1", "x"))));
    }
    assertThat(redis.keys(base + "*")).containsExactlyInAnyOrder(
        base + "posts:v2:post:1", base + "posts:v2:tributary:positions:posts.v2");
    assertThatThrownBy(() -> RedisViewSinkSettings.forVersion(base, "posts", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versions start at 1");
  }

  @Test
  void dropRemovesManyKeysInBoundedBatchesAndSparesVersionsWithALongerNumber() {
    String v1 = ViewNames.redisPrefix(base, projection, 1);
    String v10 = ViewNames.redisPrefix(base, projection, 10);
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 2_345; i++) {
      many.put(v1 + "view:" + i, Integer.toString(i));
    }
    redis.mset(many);
    redis.hset(v1 + "hash", "field", "value");
    redis.set(v10 + "view:1", "kept");
    versions.publish(projection, 10);

    versions.withDropBatchSize(100).drop(projection, 1);

    assertThat(keysUnder(v1)).isEmpty();
    assertThat(redis.get(v10 + "view:1")).isEqualTo("kept");
  }

  @Test
  void globCharactersInTheBaseAreTakenLiterally() {
    String starred = "it:*:" + UUID.randomUUID() + ":";
    RedisViewVersions starredVersions = RedisViewVersions.over(connection, starred);
    redis.set(ViewNames.redisPrefix(starred, projection, 1) + "a", "starred");
    redis.set(ViewNames.redisPrefix(base, projection, 1) + "a", "plain");

    starredVersions.drop(projection, 1);

    assertThat(redis.get(ViewNames.redisPrefix(starred, projection, 1) + "a")).isNull();
    assertThat(redis.get(ViewNames.redisPrefix(base, projection, 1) + "a")).isEqualTo("plain");
  }

  @Test
  void pointerHoldingSomethingElseIsPermanent() {
    redis.set(ViewNames.redisLiveKey(base, projection), "two");
    assertThatThrownBy(() -> versions.live(projection))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("'two'")
        .hasMessageContaining("Publish a version again");
  }

  @Test
  void versionsBelowOneAreRejected() {
    assertThatThrownBy(() -> versions.publish(projection, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versions start at 1");
    assertThat(versions.live(projection)).isEmpty();
  }

  @Test
  void unreachableServerIsTransient() {
    assertThatThrownBy(() -> RedisViewVersions.connect(RedisURI.create("redis://127.0.0.1:1"), base).close())
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("127.0.0.1:1");
  }

  private List<String> keysUnder(String prefix) {
    return redis.keys(RedisViewVersions.globEscape(prefix) + "*");
  }
}
