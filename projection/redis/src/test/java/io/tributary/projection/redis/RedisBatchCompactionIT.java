package io.tributary.projection.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.core.error.PermanentException;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate.DeleteKey;
import io.tributary.projection.sink.ViewUpdate.Increment;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import io.tributary.testkit.WithDevServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch is sent compacted (each key once, counters summed) and applied whole: the result must be
 * the one of applying its updates one by one, and a counter that fails must leave nothing written.
 */
@WithDevServices
class RedisBatchCompactionIT {

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> redis;
  private RedisViewSink sink;
  private String prefix;
  private final String projection = "compaction";

  @BeforeEach
  void connect(RedisEndpoint endpoint) {
    RedisURI uri = RedisURI.create(endpoint.uri());
    client = RedisClient.create(uri);
    connection = client.connect();
    redis = connection.sync();
    prefix = "it:" + UUID.randomUUID() + ":";
    sink = RedisViewSink.connect(uri, RedisViewSinkSettings.defaults().withKeyPrefix(prefix));
  }

  @AfterEach
  void disconnect() {
    try {
      sink.close();
      connection.close();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void hotCountersInOneBatchAddUpToEveryEvent() {
    List<SourcedUpdates> batch = new ArrayList<>();
    for (int offset = 0; offset < 1_000; offset++) {
      batch.add(SourcedUpdates.of(0, offset, new Increment("tribe:1", "posts", 1),
          new Increment("tribe:1", "bumps", offset % 3), new Increment("post:" + (offset % 7), "bumps", -1)));
    }
    sink.apply(projection, 0, batch);

    assertThat(redis.hget(prefix + "tribe:1", "posts")).isEqualTo("1000");
    assertThat(redis.hget(prefix + "tribe:1", "bumps")).isEqualTo(Long.toString(333 * 3));
    assertThat(redis.hget(prefix + "post:0", "bumps")).isEqualTo("-143");
    assertThat(redis.hget(prefix + "post:6", "bumps")).isEqualTo("-142");
    assertThat(sink.position(projection, 0)).hasValue(999);
  }

  @Test
  void aKeyWithOtherUpdatesKeepsTheirOrder() {
    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 1, new PutFields("post:1", Map.of("title", "Col de Turini", "bumps", "9"))),
        SourcedUpdates.of(0, 2, new Increment("post:1", "bumps", 2), new Increment("post:1", "bumps", 3)),
        SourcedUpdates.of(0, 3, new DeleteKey("post:1")),
        SourcedUpdates.of(0, 4, new Increment("post:1", "bumps", 4)),
        SourcedUpdates.of(0, 5, new PutFields("post:1", Map.of("title", "Stelvio")),
            new PutFields("post:1", Map.of("author", "ayrton")))));

    assertThat(redis.hgetall(prefix + "post:1"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("bumps", "4", "title", "Stelvio", "author", "ayrton"));
  }

  @Test
  void aFailingCounterUndoesTheCountersBeforeItAndWritesNothing() {
    redis.hset(prefix + "account:1", "cents", "500");
    redis.set(prefix + "not-a-hash", "a plain string");

    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(
            SourcedUpdates.of(0, 1, new Increment("account:1", "cents", 20), new Increment("account:1", "deposits", 1)),
            SourcedUpdates.of(0, 2, new Increment("fresh", "n", 1), new PutValue("other", "x")),
            SourcedUpdates.of(0, 3, new Increment("not-a-hash", "n", 1)))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(prefix + "not-a-hash")
        .hasMessageContaining("string");

    assertThat(redis.hgetall(prefix + "account:1")).containsExactlyEntriesOf(Map.of("cents", "500"));
    assertThat(redis.exists(prefix + "fresh", prefix + "other")).isZero();
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void aCounterThatWouldOverflowWritesNothing() {
    redis.hset(prefix + "big", "n", Long.toString(Long.MAX_VALUE - 1));

    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(
            SourcedUpdates.of(0, 1, new Increment("small", "n", 7)),
            SourcedUpdates.of(0, 2, new Increment("big", "n", 1), new Increment("big", "n", 1)))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(prefix + "big")
        .hasMessageContaining("overflow");

    assertThat(redis.hget(prefix + "big", "n")).isEqualTo(Long.toString(Long.MAX_VALUE - 1));
    assertThat(redis.exists(prefix + "small")).isZero();
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void aBatchPartlyHeldAppliesOnlyItsNewerEntries() {
    sink.apply(projection, 3, List.of(SourcedUpdates.of(3, 10, new Increment("c", "n", 1)),
        SourcedUpdates.of(3, 12, new Increment("c", "n", 10))));
    // a replay after a restart: 10 and 12 are held, 13 and 15 are new
    sink.apply(projection, 3, List.of(SourcedUpdates.of(3, 10, new Increment("c", "n", 1)),
        SourcedUpdates.of(3, 12, new Increment("c", "n", 10)),
        SourcedUpdates.of(3, 13, new Increment("c", "n", 100)),
        SourcedUpdates.of(3, 15, new Increment("c", "n", 1000))));

    assertThat(redis.hget(prefix + "c", "n")).isEqualTo("1111");
    assertThat(sink.position(projection, 3)).hasValue(15);
  }
}
