package io.tributary.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.coordinator.group.GroupCoordinatorConfig;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.server.config.ServerConfigs;
import org.junit.jupiter.api.Test;

class KafkaDevServerTest {
  @Test
  void sizesTheRequestThreadPoolsToTheCoresAndKeepsKafkasDefaultsOnLargeMachines() {
    assertThat(KafkaDevServer.threadPools(1)).isEqualTo(pools(2, 1, 1));
    assertThat(KafkaDevServer.threadPools(2)).isEqualTo(pools(2, 1, 1));
    assertThat(KafkaDevServer.threadPools(4)).isEqualTo(pools(4, 2, 2));
    assertThat(KafkaDevServer.threadPools(8)).isEqualTo(pools(8, 3, 4));
    assertThat(KafkaDevServer.threadPools(64)).as("Kafka's own defaults").isEqualTo(pools(
        ServerConfigs.NUM_IO_THREADS_DEFAULT, SocketServerConfigs.NUM_NETWORK_THREADS_DEFAULT,
        GroupCoordinatorConfig.GROUP_COORDINATOR_NUM_THREADS_DEFAULT));
  }

  private static Map<String, String> pools(int requestHandlers, int networkThreads, int groupCoordinatorThreads) {
    return Map.of("num.io.threads", String.valueOf(requestHandlers), "num.network.threads",
        String.valueOf(networkThreads), "group.coordinator.threads", String.valueOf(groupCoordinatorThreads));
  }
}
