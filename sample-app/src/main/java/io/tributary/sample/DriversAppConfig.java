package io.tributary.sample;

import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.grpc.CommandServerSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How {@link DriversApp} runs. Each setting is read from a system property, else from an environment
 * variable, else takes its default; a blank value counts as absent.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>System property</th><th>Environment variable</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@code tributary.kafka.bootstrap-servers}</td><td>{@code TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS}</td>
 *       <td>absent</td><td>the Kafka brokers; absent starts the embedded broker (dev mode)</td></tr>
 *   <tr><td>{@code tributary.data-dir}</td><td>{@code TRIBUTARY_DATA_DIR}</td>
 *       <td>{@code ${user.home}/.tributary/drivers}</td><td>{@code state/} holds the RocksDB state and
 *       snapshots, {@code dev-services/} the embedded broker's log</td></tr>
 *   <tr><td>{@code tributary.grpc.port}</td><td>{@code TRIBUTARY_GRPC_PORT}</td><td>50051</td>
 *       <td>the gRPC port on 127.0.0.1; 0 takes any free port</td></tr>
 *   <tr><td>{@code tributary.partitions}</td><td>{@code TRIBUTARY_PARTITIONS}</td><td>8</td>
 *       <td>the partition count, fixed when the service's topics are created</td></tr>
 *   <tr><td>{@code tributary.redis.uri}</td><td>{@code TRIBUTARY_REDIS_URI}</td><td>absent</td>
 *       <td>the Redis of the read side, e.g. {@code redis://localhost:6379}; absent with the embedded
 *       broker starts an embedded Redis</td></tr>
 *   <tr><td>{@code tributary.elasticsearch.uri}</td><td>{@code TRIBUTARY_ELASTICSEARCH_URI}</td><td>absent</td>
 *       <td>the Elasticsearch of the read side, e.g. {@code http://localhost:9200}; absent with the
 *       embedded broker starts an embedded node</td></tr>
 * </table>
 *
 * With brokers configured, the read side (projections and queries) runs when both Redis and
 * Elasticsearch are configured too; otherwise the app serves commands only and says so at start.
 *
 * @param kafkaBootstrapServers the brokers, or {@code null} for the embedded broker
 * @param dataDir the directory that holds everything the app writes
 * @param grpcPort the port to serve gRPC on, 0 for any free port
 * @param partitions the service's partition count
 * @param redisUri the read side's Redis, or {@code null} for the embedded one (with the embedded broker)
 * @param elasticsearchUri the read side's Elasticsearch, or {@code null} for the embedded one (with the
 *     embedded broker)
 */
public record DriversAppConfig(@Nullable String kafkaBootstrapServers, Path dataDir, int grpcPort, int partitions,
    @Nullable URI redisUri, @Nullable URI elasticsearchUri) {
  /** System property of the Kafka brokers. */
  public static final String KAFKA_BOOTSTRAP_SERVERS = "tributary.kafka.bootstrap-servers";
  /** System property of the data directory. */
  public static final String DATA_DIR = "tributary.data-dir";
  /** System property of the gRPC port. */
  public static final String GRPC_PORT = "tributary.grpc.port";
  /** System property of the partition count. */
  public static final String PARTITIONS = "tributary.partitions";
  /** System property of the read side's Redis. */
  public static final String REDIS_URI = "tributary.redis.uri";
  /** System property of the read side's Elasticsearch. */
  public static final String ELASTICSEARCH_URI = "tributary.elasticsearch.uri";

  /** The gRPC port when none is configured. */
  public static final int DEFAULT_GRPC_PORT = 50051;
  /** The partition count when none is configured. */
  public static final int DEFAULT_PARTITIONS = 8;

  /**
   * @throws IllegalArgumentException if the port or the partition count is out of range
   */
  public DriversAppConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    if (grpcPort < 0 || grpcPort > 65535) {
      throw new IllegalArgumentException(
          "The gRPC port is " + grpcPort + "; set " + GRPC_PORT + " to 1-65535, or 0 for any free port.");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "The partition count is " + partitions + "; set " + PARTITIONS + " to 1 or more.");
    }
  }

  /** @return the configuration of this JVM: its system properties and environment */
  public static DriversAppConfig fromEnvironment() {
    Map<String, String> properties = new HashMap<>();
    System.getProperties().stringPropertyNames().forEach(name -> properties.put(name, System.getProperty(name)));
    return load(properties, System.getenv());
  }

  /**
   * @param systemProperties the system properties; {@code user.home} places the default data directory
   * @param environment the environment variables
   * @throws IllegalArgumentException naming the setting, where its value came from and what to set,
   *     if a value does not parse or is out of range
   */
  public static DriversAppConfig load(Map<String, String> systemProperties, Map<String, String> environment) {
    Lookup lookup = new Lookup(systemProperties, environment);
    String bootstrap = lookup.value(KAFKA_BOOTSTRAP_SERVERS).map(Setting::value).orElse(null);
    Path dataDir = lookup.value(DATA_DIR).map(DriversAppConfig::path).orElseGet(() -> defaultDataDir(systemProperties));
    int port = lookup.value(GRPC_PORT)
        .map(setting -> setting.asInt("a port number 1-65535, or 0 for any free port", 0, 65535))
        .orElse(DEFAULT_GRPC_PORT);
    int partitions = lookup.value(PARTITIONS)
        .map(setting -> setting.asInt("a partition count of 1 or more", 1, Integer.MAX_VALUE))
        .orElse(DEFAULT_PARTITIONS);
    URI redis = lookup.value(REDIS_URI).map(setting -> setting.asUri("redis")).orElse(null);
    URI elasticsearch = lookup.value(ELASTICSEARCH_URI).map(setting -> setting.asUri("http")).orElse(null);
    return new DriversAppConfig(bootstrap, dataDir, port, partitions, redis, elasticsearch);
  }

  /** @return {@code true} when no brokers are configured and the app starts its own */
  public boolean embeddedKafka() {
    return kafkaBootstrapServers == null;
  }

  /** @return where the partitions' state, snapshots and the instance id live */
  public Path stateDir() {
    return dataDir.resolve("state");
  }

  /** @return where the projections keep their keyed state and snapshots */
  public Path projectionStateDir() {
    return dataDir.resolve("projections");
  }

  /** @return where the embedded dev services keep their data */
  public Path devServicesDir() {
    return dataDir.resolve("dev-services");
  }

  /** @return the runtime's settings for the brokers at {@code bootstrapServers} */
  public RuntimeSettings runtimeSettings(String bootstrapServers) {
    return RuntimeSettings.defaults(bootstrapServers, stateDir()).withPartitions(partitions);
  }

  /** @return the gRPC server's settings: loopback only, on the configured port */
  public CommandServerSettings serverSettings(RuntimeSettings runtime) {
    return CommandServerSettings.defaults()
        .withHost("127.0.0.1")
        .withPort(grpcPort)
        .withMaxCommandBytes(runtime.maxCommandBytes());
  }

  private static Path defaultDataDir(Map<String, String> systemProperties) {
    String home = systemProperties.get("user.home");
    if (home == null || home.isBlank()) {
      throw new IllegalArgumentException(
          "The system property user.home is not set, so the default data directory is unknown; set "
              + DATA_DIR + " or TRIBUTARY_DATA_DIR to a writable directory.");
    }
    return Path.of(home, ".tributary", "drivers");
  }

  private static Path path(Setting setting) {
    try {
      return Path.of(setting.value()).toAbsolutePath();
    } catch (InvalidPathException e) {
      throw setting.invalid("a directory path (" + e.getReason() + ")");
    }
  }

  /** @return the environment variable that may set {@code property}, e.g. {@code TRIBUTARY_GRPC_PORT} */
  static String environmentName(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private record Lookup(Map<String, String> systemProperties, Map<String, String> environment) {
    Optional<Setting> value(String property) {
      String fromProperty = systemProperties.get(property);
      if (fromProperty != null && !fromProperty.isBlank()) {
        return Optional.of(new Setting(property, "system property " + property, fromProperty.strip()));
      }
      String variable = environmentName(property);
      String fromEnvironment = environment.get(variable);
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return Optional.of(new Setting(property, "environment variable " + variable, fromEnvironment.strip()));
      }
      return Optional.empty();
    }
  }

  private record Setting(String property, String source, String value) {
    int asInt(String expected, int min, int max) {
      try {
        int parsed = Integer.parseInt(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below with the value and what is expected
      }
      throw invalid(expected);
    }

    URI asUri(String scheme) {
      try {
        URI uri = new URI(value);
        if (scheme.equals(uri.getScheme()) || ("http".equals(scheme) && "https".equals(uri.getScheme()))) {
          if (uri.getHost() != null && uri.getPort() > 0) {
            return uri;
          }
        }
      } catch (URISyntaxException e) {
        // reported below with the value and what is expected
      }
      throw invalid("a URI such as " + scheme + "://localhost:" + ("redis".equals(scheme) ? "6379" : "9200")
          + ", with host and port");
    }

    IllegalArgumentException invalid(String expected) {
      return new IllegalArgumentException("The " + source + " is '" + value + "'; set it to " + expected
          + " (" + property + " or " + environmentName(property) + ").");
    }
  }
}
