package io.tributary.runtime.micronaut;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.PropertySource;
import io.tributary.grpc.EndpointSettings;
import io.tributary.grpc.Tls;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key lands in its settings field, absent keys keep the settings' defaults, and bad values name their key. */
class PropertiesBindingTest {
  private static final String BROKERS = "kafka-1:9092,kafka-2:9092";
  private static final Path DEFAULT_STATE = Path.of("/var/lib/counter/state");

  @TempDir Path dir;

  @Test
  void absentKeysKeepTheSettingsDefaults() {
    try (ApplicationContext context = run(Map.of())) {
      assertThat(context.getBean(RuntimeProperties.class).toSettings(BROKERS, DEFAULT_STATE))
          .isEqualTo(RuntimeSettings.defaults(BROKERS, DEFAULT_STATE));
      assertThat(context.getBean(CommandServerProperties.class).toSettings(1 << 20))
          .isEqualTo(CommandServerSettings.defaults());
      assertThat(context.getBean(CommandServerProperties.class).enabled()).isTrue();
      assertThat(context.getBean(DevModeProperties.class).dataDirFor("counter"))
          .isEqualTo(Path.of(System.getProperty("user.home"), ".tributary", "counter"));
    }
  }

  @Test
  void everyRuntimeKeyMapsToItsField() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("tributary.runtime.bootstrap-servers", BROKERS);
    properties.put("tributary.runtime.kafka.security.protocol", "SASL_SSL");
    properties.put("tributary.runtime.kafka.sasl.mechanism", "PLAIN");
    properties.put("tributary.runtime.kafka.ssl.truststore.location", "/etc/kafka/truststore.p12");
    properties.put("tributary.runtime.partitions", "12");
    properties.put("tributary.runtime.replication-factor", "3");
    properties.put("tributary.runtime.state-dir", "/data/state");
    properties.put("tributary.runtime.snapshot-dir", "/backup/snapshots");
    properties.put("tributary.runtime.max-batch-records", "250");
    properties.put("tributary.runtime.poll-timeout", "50ms");
    properties.put("tributary.runtime.task-threads", "3");
    properties.put("tributary.runtime.max-command-bytes", "65536");
    properties.put("tributary.runtime.command-retention", "3d");
    properties.put("tributary.runtime.snapshot.interval", "2m");
    properties.put("tributary.runtime.snapshot.min-events-between", "500");
    properties.put("tributary.runtime.snapshot.retained", "5");
    properties.put("tributary.runtime.state-cache-bytes", "2500000");
    properties.put("tributary.runtime.local-handoff", "false");
    properties.put("tributary.runtime.store.memtable-bytes", "4194304");
    properties.put("tributary.runtime.store.block-cache-bytes", "0");
    properties.put("tributary.runtime.store.dedupe-filter-bytes", "1048576");

    try (ApplicationContext context = run(properties)) {
      RuntimeProperties runtime = context.getBean(RuntimeProperties.class);

      assertThat(runtime.bootstrapServers()).isEqualTo(BROKERS);
      assertThat(runtime.toSettings(BROKERS, DEFAULT_STATE)).isEqualTo(new RuntimeSettings(
          BROKERS,
          Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
              "ssl.truststore.location", "/etc/kafka/truststore.p12"),
          12, (short) 3, Path.of("/data/state"), Path.of("/backup/snapshots"), 250, Duration.ofMillis(50), 3, 65536,
          Duration.ofDays(3), new SnapshotPolicy(Duration.ofMinutes(2), 500, 5), 2_500_000, false,
          new StoreMemory(4L << 20, 0, 1L << 20)));
    }
  }

  @Test
  void snapshotDirFollowsTheStateDir() {
    try (ApplicationContext context = run(Map.of("tributary.runtime.state-dir", "/data/state"))) {
      RuntimeSettings settings = context.getBean(RuntimeProperties.class).toSettings(BROKERS, DEFAULT_STATE);

      assertThat(settings.stateDir()).isEqualTo(Path.of("/data/state"));
      assertThat(settings.snapshotDir()).isEqualTo(Path.of("/data/state/snapshots"));
    }
  }

  @Test
  void everyGrpcKeyMapsToItsField() throws IOException {
    Path cert = Files.writeString(dir.resolve("server.pem"), "cert");
    Path key = Files.writeString(dir.resolve("server.key"), "key");
    Map<String, Object> properties = new HashMap<>();
    properties.put("tributary.grpc.host", "127.0.0.1");
    properties.put("tributary.grpc.port", "9443");
    properties.put("tributary.grpc.max-command-bytes", "65536");
    properties.put("tributary.grpc.default-timeout", "30s");
    properties.put("tributary.grpc.deadline-margin", "250ms");
    properties.put("tributary.grpc.shutdown-grace", "20s");
    properties.put("tributary.grpc.tls.cert-chain", cert.toString());
    properties.put("tributary.grpc.tls.private-key", key.toString());

    try (ApplicationContext context = run(properties)) {
      assertThat(context.getBean(CommandServerProperties.class).toSettings(65536)).isEqualTo(
          new CommandServerSettings(
              new EndpointSettings("127.0.0.1", 9443, Duration.ofSeconds(20), Optional.of(new Tls(cert, key))),
              65536, Duration.ofSeconds(30), Duration.ofMillis(250)));
    }
  }

  @Test
  void dataDirIsConfigurable() {
    try (ApplicationContext context = run(Map.of("tributary.dev.data-dir", "/srv/dev"))) {
      assertThat(context.getBean(DevModeProperties.class).dataDirFor("counter")).isEqualTo(Path.of("/srv/dev"));
    }
  }

  @Test
  void kafkaKeysMayNestInYaml() {
    try (ApplicationContext context = ApplicationContext.builder().environments("nested-kafka")
        .properties(Map.of(TributaryFactory.ENABLED, "false")).start()) {
      assertThat(context.getBean(RuntimeProperties.class).kafka())
          .isEqualTo(Map.of("security.protocol", "SSL", "ssl.keystore.type", "PKCS12", "client.dns.lookup",
              "use_all_dns_ips", "request.timeout.ms", "30000"));
    }
  }

  @Test
  void kafkaKeysComeFromEnvironmentVariables() {
    String jaas = "ScramLoginModule required username=\"counter\";";
    PropertySource variables = PropertySource.of("env", Map.of(
            "TRIBUTARY_RUNTIME_KAFKA_SASL_JAAS_CONFIG", jaas,
            "TRIBUTARY_RUNTIME_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "TRIBUTARY_RUNTIME_MAX_BATCH_RECORDS", "42"),
        PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE, EnvironmentPropertySource.ORIGIN);
    try (ApplicationContext context = ApplicationContext.builder().propertySources(variables)
        .properties(Map.of(TributaryFactory.ENABLED, "false")).start()) {
      RuntimeProperties runtime = context.getBean(RuntimeProperties.class);

      assertThat(runtime.kafka()).isEqualTo(Map.of("sasl.jaas.config", jaas, "security.protocol", "SASL_SSL"));
      assertThat(runtime.maxBatchRecords()).isEqualTo(42);
    }
  }

  @Test
  void grpcPayloadLimitFollowsTheRuntimes() {
    try (ApplicationContext context = run(Map.of("tributary.runtime.max-command-bytes", "65536"))) {
      assertThat(context.getBean(CommandServerProperties.class).toSettings(65536).maxCommandBytes()).isEqualTo(65536);
    }
  }

  @Test
  void theReadmeSampleBinds() throws IOException {
    Path cert = Files.writeString(dir.resolve("server.pem"), "cert");
    Path key = Files.writeString(dir.resolve("server.key"), "key");
    // the sample reads the TLS files from environment variables; these properties stand in for them
    try (ApplicationContext context = ApplicationContext.builder().environments("readme")
        .properties(Map.of(TributaryFactory.ENABLED, "false", "TLS_CERT_CHAIN", cert.toString(),
            "TLS_PRIVATE_KEY", key.toString())).start()) {
      RuntimeSettings settings = context.getBean(RuntimeProperties.class).toSettings("ignored:9092", DEFAULT_STATE);

      assertThat(context.getBean(RuntimeProperties.class).bootstrapServers()).isEqualTo("kafka-1:9093,kafka-2:9093");
      assertThat(settings.kafkaProperties().get("sasl.jaas.config")).endsWith("password=\"changeme\";");
      assertThat(settings.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL")
          .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
          .containsEntry("ssl.truststore.location", "/etc/tributary/kafka-truststore.p12");
      assertThat(settings.partitions()).isEqualTo(16);
      assertThat(settings.snapshotPolicy()).isEqualTo(new SnapshotPolicy(Duration.ofMinutes(10), 50_000, 3));
      assertThat(context.getBean(CommandServerProperties.class).toSettings(settings.maxCommandBytes()))
          .isEqualTo(CommandServerSettings.defaults().withTls(cert, key));
    }
  }

  @Test
  void theReadmeShowsTheSampleThatBinds() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("```yaml\n") + "```yaml\n".length();
    String sample = readme.substring(start, readme.indexOf("```", start));
    String checked = Files.readString(Path.of("src/test/resources/application-readme.yml"));

    assertThat(checked).endsWith(sample);
  }

  @Test
  void leavesEverythingOutWhenDisabled() {
    try (ApplicationContext context = run(Map.of())) {
      assertThat(context.containsBean(TributaryRuntime.class)).isFalse();
      assertThat(context.containsBean(CommandServer.class)).isFalse();
    }
  }

  @Test
  void invalidValuesNameTheirKey() {
    assertThat(bindingError("tributary.runtime.partitions", "0"))
        .contains("tributary.runtime.partitions is 0. Set it to 1 or more");
    assertThat(bindingError("tributary.runtime.replication-factor", "0"))
        .contains("tributary.runtime.replication-factor is 0");
    assertThat(bindingError("tributary.runtime.max-batch-records", "-1"))
        .contains("tributary.runtime.max-batch-records is -1");
    assertThat(bindingError("tributary.runtime.poll-timeout", "0s")).contains("tributary.runtime.poll-timeout is PT0S");
    assertThat(bindingError("tributary.runtime.task-threads", "9"))
        .contains("tributary.runtime.task-threads is 9. Set it from 1 to tributary.runtime.partitions (8)");
    assertThat(bindingError("tributary.runtime.bootstrap-servers", " ")).contains("tributary.runtime.bootstrap-servers"
        + " is blank");
    assertThat(bindingError("tributary.runtime.snapshot.retained", "0"))
        .contains("tributary.runtime.snapshot.retained is 0");
    assertThat(bindingError("tributary.runtime.snapshot.interval", "-1s"))
        .contains("tributary.runtime.snapshot.interval is PT-1S");
    assertThat(bindingError("tributary.runtime.store.memtable-bytes", "1024"))
        .contains("tributary.runtime.store.memtable-bytes is 1024. Set it to 65536 (64 KiB) or more");
    assertThat(bindingError("tributary.runtime.store.block-cache-bytes", "-1"))
        .contains("tributary.runtime.store.block-cache-bytes is -1. Set it to 0 (no cache) or more");
    assertThat(bindingError("tributary.runtime.store.dedupe-filter-bytes", "-1"))
        .contains("tributary.runtime.store.dedupe-filter-bytes is -1. Set it from 0 (no filter) to 1073741824");
    assertThat(bindingError("tributary.runtime.store.dedupe-filter-bytes", "1073741825"))
        .contains("tributary.runtime.store.dedupe-filter-bytes is 1073741825. Set it from 0");
    assertThat(bindingError("tributary.runtime.state-cache-bytes", "-1"))
        .contains("tributary.runtime.state-cache-bytes is -1. Set it to 0 or more");
    assertThat(bindingError("tributary.runtime.state-cache-entries", "1000"))
        .contains("tributary.runtime.state-cache-entries is no longer read. Remove it and set"
            + " tributary.runtime.state-cache-bytes");
    assertThat(bindingError("tributary.runtime.kafka.bootstrap.servers", "elsewhere:9092"))
        .contains("tributary.runtime.kafka.bootstrap.servers is set by Tributary itself")
        .contains("Set tributary.runtime.bootstrap-servers instead");
    assertThat(bindingError("tributary.runtime.kafka.isolation.level", "read_uncommitted"))
        .contains("tributary.runtime.kafka.isolation.level is set by Tributary itself");
    assertThat(bindingError("tributary.grpc.port", "70000")).contains("tributary.grpc.port is 70000");
    assertThat(bindingError("tributary.grpc.default-timeout", "0s")).contains("tributary.grpc.default-timeout");
    assertThat(bindingError("tributary.grpc.tls.cert-chain", dir.resolve("server.pem").toString()))
        .contains("tributary.grpc.tls.cert-chain is set but tributary.grpc.tls.private-key is not");
    assertThat(bindingError(Map.of("tributary.grpc.tls.cert-chain", dir.resolve("missing.pem").toString(),
        "tributary.grpc.tls.private-key", dir.resolve("missing.key").toString())))
        .contains("tributary.grpc.tls.cert-chain is " + dir.resolve("missing.pem") + ", which is not a readable file");
    assertThat(bindingError(Map.of("tributary.runtime.kafka.security.protocol", "SSL",
        "tributary.runtime.kafka.security-protocol", "PLAINTEXT")))
        .contains("tributary.runtime.kafka.security.protocol is given twice with different values")
        .doesNotContain("PLAINTEXT");
  }

  @Test
  void unconvertibleValuesNameTheirKeyInsteadOfFallingBackToTheDefault() {
    assertThat(bindingError("tributary.runtime.partitions", "eight"))
        .contains("tributary.runtime.partitions is 'eight', which is not a whole number");
    assertThat(bindingError("tributary.runtime.poll-timeout", "soon"))
        .contains("tributary.runtime.poll-timeout is 'soon', which is not a duration");
    assertThat(bindingError("tributary.runtime.snapshot.retained", "all"))
        .contains("tributary.runtime.snapshot.retained is 'all', which is not a whole number");
    assertThat(bindingError("tributary.runtime.store.memtable-bytes", "8MB"))
        .contains("tributary.runtime.store.memtable-bytes is '8MB', which is not a whole number");
    assertThat(bindingError("tributary.grpc.port", "https")).contains("tributary.grpc.port is 'https'");
    assertThat(bindingError("tributary.grpc.shutdown-grace", "a while")).contains("tributary.grpc.shutdown-grace");
  }

  @Test
  void everyNonTextKeyIsCheckedForConversion() {
    assertThat(RuntimeProperties.TYPED_KEYS.keySet()).containsAll(keysOfType(RuntimeProperties.class, ""))
        .containsAll(keysOfType(RuntimeProperties.Snapshot.class, "snapshot."))
        .containsAll(keysOfType(RuntimeProperties.Store.class, "store."));
    assertThat(CommandServerProperties.TYPED_KEYS.keySet()).containsAll(keysOfType(CommandServerProperties.class, ""));
  }

  @Test
  void grpcPayloadLimitMustMatchTheRuntimes() {
    try (ApplicationContext context = run(Map.of("tributary.grpc.max-command-bytes", "2048"))) {
      Throwable failure = catchThrowable(() -> context.getBean(CommandServerProperties.class).toSettings(1 << 20));

      assertThat(failure).hasMessageContaining("tributary.grpc.max-command-bytes is 2048 but"
          + " tributary.runtime.max-command-bytes is 1048576");
    }
  }

  // the kebab-case keys of the record's number, duration and boolean components
  private static List<String> keysOfType(Class<? extends Record> type, String prefix) {
    return Arrays.stream(type.getRecordComponents())
        .filter(c -> c.getType().isPrimitive() || c.getType() == Duration.class)
        .map(c -> prefix + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT))
        .toList();
  }

  private static ApplicationContext run(Map<String, Object> properties) {
    Map<String, Object> all = new HashMap<>(properties);
    all.put(TributaryFactory.ENABLED, "false");
    return ApplicationContext.run(all);
  }

  private static String bindingError(String key, String value) {
    return bindingError(Map.of(key, value));
  }

  private static String bindingError(Map<String, Object> properties) {
    try (ApplicationContext context = run(properties)) {
      Throwable failure = catchThrowable(() -> {
        context.getBean(RuntimeProperties.class);
        context.getBean(CommandServerProperties.class);
      });
      assertThat(failure).as("binding %s", properties).isNotNull();
      return failure.getMessage();
    }
  }
}
