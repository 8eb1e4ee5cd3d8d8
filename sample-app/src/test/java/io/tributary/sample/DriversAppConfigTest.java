package io.tributary.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriversAppConfigTest {
  private static final Map<String, String> HOME = Map.of("user.home", "/home/ayrton");

  @Test
  void defaultsToTheEmbeddedBrokerUnderTheUsersHome() {
    DriversAppConfig config = DriversAppConfig.load(HOME, Map.of());

    assertThat(config.embeddedKafka()).isTrue();
    assertThat(config.kafkaBootstrapServers()).isNull();
    assertThat(config.dataDir()).isEqualTo(Path.of("/home/ayrton/.tributary/drivers"));
    assertThat(config.stateDir()).isEqualTo(Path.of("/home/ayrton/.tributary/drivers/state"));
    assertThat(config.devServicesDir()).isEqualTo(Path.of("/home/ayrton/.tributary/drivers/dev-services"));
    assertThat(config.grpcPort()).isEqualTo(50051);
    assertThat(config.partitions()).isEqualTo(8);
  }

  @Test
  void readsEnvironmentVariables() {
    DriversAppConfig config = DriversAppConfig.load(HOME, Map.of(
        "TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092",
        "TRIBUTARY_DATA_DIR", "/var/lib/drivers",
        "TRIBUTARY_GRPC_PORT", "0",
        "TRIBUTARY_PARTITIONS", "12"));

    assertThat(config).isEqualTo(new DriversAppConfig("kafka-1:9092", Path.of("/var/lib/drivers"), 0, 12, null, null));
  }

  @Test
  void systemPropertiesWinOverEnvironmentVariables() {
    DriversAppConfig config = DriversAppConfig.load(
        Map.of("user.home", "/home/ayrton", "tributary.grpc.port", "6000", "tributary.kafka.bootstrap-servers", " "),
        Map.of("TRIBUTARY_GRPC_PORT", "7000", "TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092"));

    assertThat(config.grpcPort()).isEqualTo(6000);
    // a blank property counts as absent, so the environment's broker applies
    assertThat(config.kafkaBootstrapServers()).isEqualTo("kafka-1:9092");
  }

  @Test
  void settingsForTheRuntimeAndServerFollowTheConfiguration() {
    DriversAppConfig config = new DriversAppConfig(null, Path.of("/data"), 0, 3, null, null);

    var runtime = config.runtimeSettings("127.0.0.1:9092");
    var server = config.serverSettings(runtime);

    assertThat(runtime.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(runtime.partitions()).isEqualTo(3);
    assertThat(runtime.stateDir()).isEqualTo(Path.of("/data/state"));
    assertThat(server.host()).isEqualTo("127.0.0.1");
    assertThat(server.port()).isZero();
    assertThat(server.maxCommandBytes()).isEqualTo(runtime.maxCommandBytes());
  }

  @Test
  void namesTheSourceOfAPortThatDoesNotParse() {
    assertThatThrownBy(() -> DriversAppConfig.load(HOME, Map.of("TRIBUTARY_GRPC_PORT", "fifty")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The environment variable TRIBUTARY_GRPC_PORT is 'fifty'; set it to a port number 1-65535,"
            + " or 0 for any free port (tributary.grpc.port or TRIBUTARY_GRPC_PORT).");
  }

  @Test
  void refusesAPartitionCountBelowOne() {
    assertThatThrownBy(() -> DriversAppConfig.load(
            Map.of("user.home", "/home/ayrton", "tributary.partitions", "0"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The system property tributary.partitions is '0'; set it to a partition count of 1 or more"
            + " (tributary.partitions or TRIBUTARY_PARTITIONS).");
  }
}
