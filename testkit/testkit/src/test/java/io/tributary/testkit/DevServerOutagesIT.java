package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.devservices.RedisDevServer;
import io.tributary.devservices.RedisEndpoint;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Tests take a shared server away and bring it back; one that forgets to bring it back fails. */
@WithDevServices
class DevServerOutagesIT {

  @Test
  void aTestStopsAndRestartsTheSharedRedisBehindTheSameEndpoint(RedisDevServer server, RedisEndpoint endpoint) {
    assertThat(server.endpoint()).isEqualTo(endpoint);
    String key = "outage:" + UUID.randomUUID();
    withRedis(endpoint, redis -> redis.sync().set(key, "kept"));

    server.stop();
    try {
      assertThat(server.isRunning()).isFalse();
    } finally {
      server.restart();
    }

    withRedis(endpoint, redis -> assertThat(redis.sync().get(key)).isEqualTo("kept"));
  }

  @Test
  void aTestThatLeavesRedisStoppedFailsAndTheServerIsRestartedForTheNext() {
    Events tests = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(LeavesRedisStopped.class))
        .execute()
        .testEvents();

    assertThat(tests.failed().count()).isEqualTo(1);
    Throwable failure = tests.failed().list().getFirst().getPayload(TestExecutionResult.class).orElseThrow()
        .getThrowable().orElseThrow();
    assertThat(failure).hasMessageContaining("left [Redis] stopped").hasMessageContaining("finally");
    assertThat(tests.succeeded().count()).isEqualTo(1);
    assertThat(LeavesRedisStopped.runningForTheNextTest).as("restarted by the extension for the next test")
        .isTrue();
  }

  private static void withRedis(RedisEndpoint endpoint,
      java.util.function.Consumer<StatefulRedisConnection<String, String>> use) {
    RedisClient client = RedisClient.create(endpoint.uri().toString());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      use.accept(connection);
    } finally {
      client.shutdown();
    }
  }

  /** Run only through the engine kit above; failsafe skips nested classes. */
  @WithDevServices
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class LeavesRedisStopped {
    static volatile boolean runningForTheNextTest;

    @Test
    @Order(1)
    void stopsRedisAndForgetsIt(RedisDevServer redis) {
      redis.stop();
    }

    @Test
    @Order(2)
    void findsRedisRunning(RedisDevServer redis, RedisEndpoint endpoint) {
      runningForTheNextTest = redis.isRunning();
      withRedis(endpoint, connection -> assertThat(connection.sync().ping()).isEqualTo("PONG"));
    }
  }
}
