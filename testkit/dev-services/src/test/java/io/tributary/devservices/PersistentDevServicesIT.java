package io.tributary.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default keeps a service's data across a restart; temporary services leave nothing. */
class PersistentDevServicesIT {
  @TempDir Path dataDir;

  @Test
  void keepsKafkaTopicsAndRedisDataAcrossARestart() throws Exception {
    try (DevServices services = DevServices.persistent(dataDir)) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", services.kafka().bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("drivers.events", 3, (short) 1))).all().get();
      }
      // the active segments' offset indexes are mapped at 1 MiB, not Kafka's 10 MiB
      List<Path> indexes = List.of();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (indexes.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20); // the broker creates the partitions' logs after it answered
        try (Stream<Path> files = Files.walk(dataDir)) {
          indexes = files.filter(file -> file.getFileName().toString().endsWith(".index")
              && file.getParent().getFileName().toString().startsWith("drivers.events-")).toList();
        }
      }
      assertThat(indexes).hasSize(3)
          .allSatisfy(index -> assertThat(Files.size(index)).isEqualTo(KafkaDevServer.INDEX_BYTES));
      withRedis(services, redis -> redis.sync().set("post:1:title", "Alpine passes"));
    }

    try (DevServices restarted = DevServices.persistent(dataDir)) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", restarted.kafka().bootstrapServers()))) {
        Set<String> topics = admin.listTopics().names().get();
        assertThat(topics).contains("drivers.events");
        assertThat(admin.describeTopics(List.of("drivers.events")).allTopicNames().get().get("drivers.events")
            .partitions()).hasSize(3);
      }
      withRedis(restarted, redis -> assertThat(redis.sync().get("post:1:title")).isEqualTo("Alpine passes"));
    }
  }

  @Test
  void temporaryServicesDeleteTheirDirectoryAndRefuseUseAfterClose() {
    DevServices services = DevServices.temporary();
    services.redis();
    Path dir = services.baseDir();
    services.close();

    assertThat(Files.exists(dir)).isFalse();
    assertThatThrownBy(services::redis).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed; create new ones");
  }

  private static void withRedis(DevServices services, java.util.function.Consumer<StatefulRedisConnection<String, String>> use) {
    RedisClient client = RedisClient.create(services.redis().uri().toString());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      use.accept(connection);
    } finally {
      client.shutdown();
    }
  }
}
