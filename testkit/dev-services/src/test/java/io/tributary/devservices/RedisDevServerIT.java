package io.tributary.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Taking a Redis dev server away and bringing it back: same port, same data, nothing left on disk. */
class RedisDevServerIT {
  @TempDir Path dataDir;

  @Test
  void anInMemoryServerComesBackOnTheSamePortWithItsData() {
    try (RedisDevServer server = RedisDevServer.start(RedisDevServer.Options.defaults(dataDir))) {
      RedisEndpoint endpoint = server.endpoint();
      withRedis(endpoint, redis -> {
        redis.sync().set("post:1:title", "Alpine passes");
        redis.sync().hincrby("counts:post:1", "likes", 3);
      });

      server.stop();
      try {
        assertThat(server.isRunning()).isFalse();
        assertThat(refusesConnections(endpoint)).as("connections to %s while stopped are refused", endpoint).isTrue();
        server.stop(); // idempotent while stopped
      } finally {
        server.restart();
      }

      assertThat(server.isRunning()).isTrue();
      assertThat(server.endpoint()).isEqualTo(endpoint);
      withRedis(endpoint, redis -> {
        assertThat(redis.sync().get("post:1:title")).isEqualTo("Alpine passes");
        assertThat(redis.sync().hget("counts:post:1", "likes")).isEqualTo("3");
      });
      assertThat(Files.exists(dataDir.resolve("dump.rdb")))
          .as("an in-memory server keeps no snapshot once it has loaded it").isFalse();
    }
  }

  @Test
  void aPersistentServerComesBackWithItsAppendOnlyFile() {
    RedisDevServer.Options options = RedisDevServer.Options.defaults(dataDir).withPersistent(true);
    try (RedisDevServer server = RedisDevServer.start(options)) {
      withRedis(server.endpoint(), redis -> redis.sync().set("kept", "yes"));

      server.restart(); // on a running server: stop, then start

      withRedis(server.endpoint(), redis -> assertThat(redis.sync().get("kept")).isEqualTo("yes"));
    }
  }

  @Test
  void aClosedServerCannotBeRestartedAndLeavesNoSnapshot() {
    RedisDevServer server = RedisDevServer.start(RedisDevServer.Options.defaults(dataDir));
    server.stop();
    server.close();

    assertThat(Files.exists(dataDir.resolve("dump.rdb"))).isFalse();
    assertThatThrownBy(server::restart).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("it is closed. Start a new one");
    server.close(); // idempotent
  }

  private static boolean refusesConnections(RedisEndpoint endpoint) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 2_000);
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException e) {
      throw new AssertionError("Unexpected failure connecting to " + endpoint + ": " + e, e);
    }
  }

  private static void withRedis(RedisEndpoint endpoint, Consumer<StatefulRedisConnection<String, String>> use) {
    RedisClient client = RedisClient.create(endpoint.uri().toString());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      use.accept(connection);
    } finally {
      client.shutdown();
    }
  }
}
