package io.tributary.projection.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewSinkContractTest;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.DeleteKey;
import io.tributary.projection.sink.ViewUpdate.Increment;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import io.tributary.projection.sink.ViewUpdate.RemoveFields;
import io.tributary.projection.sink.ViewUpdate.ScoreAdd;
import io.tributary.projection.sink.ViewUpdate.ScoreIncrement;
import io.tributary.projection.sink.ViewUpdate.ScoreRemove;
import io.tributary.testkit.WithDevServices;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithDevServices
class RedisViewSinkIT extends ViewSinkContractTest {

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> redis;
  private RedisURI uri;
  private String prefix = "";

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    uri = RedisURI.create(endpoint.uri());
    client = RedisClient.create(uri);
    connection = client.connect();
    redis = connection.sync();
    prefix = "it:" + UUID.randomUUID() + ":";
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
  protected ViewSink openSink() {
    return RedisViewSink.connect(uri, RedisViewSinkSettings.defaults().withKeyPrefix(prefix));
  }

  @Override
  protected ViewUpdate put(String id, String value) {
    return new PutValue(id, value);
  }

  @Override
  protected Optional<String> readBack(String id) {
    return Optional.ofNullable(redis.get(prefix + id));
  }

  @Override
  protected ViewUpdate unsupported(String id) {
    return new ViewUpdate.PutDocument("posts", id, "{}");
  }

  @Test
  void replayedCounterIsNeverCountedTwice() {
    ViewSink sink = sink();
    List<SourcedUpdates> batch = List.of(
        SourcedUpdates.of(0, 1, new Increment("post:1", "bumps", 1), new Increment("stats", "posts", 1)),
        SourcedUpdates.of(0, 2, new Increment("post:1", "bumps", 1)),
        SourcedUpdates.of(0, 3, new Increment("post:1", "bumps", 5)));

    sink.apply(projection, 0, batch);
    sink.apply(projection, 0, batch);
    sink.apply(projection, 0, batch.subList(1, 3));
    // after a restart the runner replays from an older committed offset
    newSink().apply(projection, 0, batch);

    assertThat(redis.hget(prefix + "post:1", "bumps")).isEqualTo("7");
    assertThat(redis.hget(prefix + "stats", "posts")).isEqualTo("1");

    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 2, new Increment("post:1", "bumps", 100)),
        SourcedUpdates.of(0, 4, new Increment("post:1", "bumps", -2))));
    assertThat(redis.hget(prefix + "post:1", "bumps")).isEqualTo("5");
  }

  @Test
  void sortedSetScoresIncrementOncePerEvent() {
    ViewSink sink = sink();
    List<SourcedUpdates> batch = List.of(
        SourcedUpdates.of(2, 10, new ScoreAdd("top", "post-1", 5), new ScoreAdd("top", "post-2", 9)),
        SourcedUpdates.of(2, 11, new ScoreIncrement("top", "post-1", 2.5)),
        SourcedUpdates.of(2, 12, new ScoreAdd("top", "post-3", 1), new ScoreRemove("top", "post-3")));

    sink.apply(projection, 2, batch);
    sink.apply(projection, 2, batch);

    assertThat(redis.zrevrangeWithScores(prefix + "top", 0, -1))
        .containsExactly(ScoredValue.just(9, "post-2"), ScoredValue.just(7.5, "post-1"));
    assertThat(sink.position(projection, 2)).hasValue(12);
  }

  @Test
  void hashFieldsAndKeysArePutAndRemoved() {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 1, new PutFields("post:1", Map.of("title", "Alpine passes", "author", "ayrton", "draft", "yes"))),
        SourcedUpdates.of(0, 2, new RemoveFields("post:1", Set.of("draft", "missing"))),
        SourcedUpdates.of(0, 3, new PutValue("gone", "soon")),
        SourcedUpdates.of(0, 4, new DeleteKey("gone"), new DeleteKey("never-there"))));

    assertThat(redis.hgetall(prefix + "post:1"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("title", "Alpine passes", "author", "ayrton"));
    assertThat(redis.exists(prefix + "gone")).isZero();
  }

  @Test
  void wrongTypeUnderAKeyFailsBeforeAnyWrite() {
    ViewSink sink = sink();
    redis.set(prefix + "post:1", "a plain string");

    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(
            SourcedUpdates.of(0, 1, new PutValue("first", "x")),
            SourcedUpdates.of(0, 2, new Increment("post:1", "bumps", 1)))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(prefix + "post:1")
        .hasMessageContaining("string");

    assertThat(redis.exists(prefix + "first")).isZero();
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void scriptIsReloadedAfterTheServerFlushedItsCache() {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 1, new PutValue("a", "1"))));
    redis.scriptFlush();
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 2, new PutValue("a", "2"))));
    assertThat(readBack("a")).contains("2");
  }

  @Test
  void keyPrefixSeparatesViewsAndPositions() {
    sink().apply(projection, 0, List.of(SourcedUpdates.of(0, 5, new PutValue("a", "v1"))));
    try (RedisViewSink rebuild = RedisViewSink.connect(uri, RedisViewSinkSettings.defaults().withKeyPrefix(prefix + "v2:"))) {
      assertThat(rebuild.position(projection, 0)).isEmpty();
      rebuild.apply(projection, 0, List.of(SourcedUpdates.of(0, 5, new PutValue("a", "v2"))));
      assertThat(redis.get(prefix + "v2:a")).isEqualTo("v2");
    }
    assertThat(readBack("a")).contains("v1");
    assertThat(redis.hget(prefix + "tributary:positions:" + projection, "0")).isEqualTo("5");
  }

  @Test
  void unreachableServerIsTransient() {
    RedisURI nowhere = RedisURI.create("redis://127.0.0.1:1");
    assertThatThrownBy(() -> RedisViewSink.connect(nowhere, RedisViewSinkSettings.defaults()).close())
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("127.0.0.1:1");
  }

  @Test
  void sinkOverACallersConnectionLeavesItOpen() {
    try (RedisViewSink sink = RedisViewSink.over(connection, RedisViewSinkSettings.defaults().withKeyPrefix(prefix))) {
      sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 1, new PutValue("a", "shared connection"))));
    }
    assertThat(connection.isOpen()).isTrue();
    assertThat(readBack("a")).contains("shared connection");
  }

  @Test
  void offsetsBeyondWhatLuaComparesExactlyAreRejected() {
    assertThatThrownBy(() -> sink().apply(projection, 0, List.of(SourcedUpdates.of(0, (1L << 53) + 1, new PutValue("a", "x")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("2^53");
    assertThat(readBack("a")).isEmpty();
  }
}
