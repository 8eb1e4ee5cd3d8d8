package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.devservices.RedisEndpoint;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@WithDevServices
class RedisDevServicesIT {

  @Test
  void writesAndReadsThroughLettuce(RedisEndpoint redis) {
    RedisClient client = RedisClient.create(redis.uri().toString());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> commands = connection.sync();
      String prefix = "it:" + UUID.randomUUID() + ":";

      commands.set(prefix + "title", "Alpine passes");
      commands.hset(prefix + "post", Map.of("author", "ayrton", "bumps", "0"));
      commands.hincrby(prefix + "post", "bumps", 3);
      commands.zadd(prefix + "top", 5, "post-1");
      commands.zadd(prefix + "top", 9, "post-2");
      commands.incr(prefix + "count");
      commands.incr(prefix + "count");

      assertThat(commands.get(prefix + "title")).isEqualTo("Alpine passes");
      assertThat(commands.hgetall(prefix + "post")).containsExactlyInAnyOrderEntriesOf(
          Map.of("author", "ayrton", "bumps", "3"));
      assertThat(commands.zrevrangeWithScores(prefix + "top", 0, -1))
          .containsExactly(ScoredValue.just(9, "post-2"), ScoredValue.just(5, "post-1"));
      assertThat(commands.get(prefix + "count")).isEqualTo("2");
    } finally {
      client.shutdown();
    }
  }
}
