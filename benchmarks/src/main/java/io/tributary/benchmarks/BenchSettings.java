package io.tributary.benchmarks;

import io.tributary.runtime.RuntimeSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The scale and tuning of one benchmark invocation, read from {@code bench.*} system properties.
 *
 * @param commands commands pre-loaded per throughput run ({@code bench.commands})
 * @param accounts distinct account ids the keys are drawn from ({@code bench.accounts})
 * @param zipfExponent the exponent of the skewed key workload ({@code bench.zipf-exponent})
 * @param runs measured rounds per system and workload ({@code bench.runs})
 * @param warmups unmeasured rounds before them ({@code bench.warmups})
 * @param partitions partitions of every topic both systems use ({@code bench.partitions})
 * @param maxBatchRecords Tributary's most commands per transaction ({@code bench.max-batch-records})
 * @param pollTimeout Tributary's command poll timeout ({@code bench.poll-timeout-ms})
 * @param taskThreads Tributary's task loops per instance ({@code bench.task-threads})
 * @param stateCacheBytes the heap Tributary's decoded states may take per partition ({@code
 *     bench.state-cache-bytes}); by default the runtime's default, 0 turns the cache off
 * @param localHandoff whether Tributary's gateway hands commands to the task loop that owns their
 *     partition without the commands topic ({@code bench.local-handoff}); by default the runtime's
 *     default
 * @param streamsThreads Kafka Streams' {@code num.stream.threads} ({@code bench.streams-threads}); by
 *     default the same as {@code taskThreads}
 * @param latencyRate commands offered per second in the latency phase ({@code bench.latency-rate})
 * @param latencyGrpcEvery every how many commands of Tributary's latency phase one is a gRPC call, the
 *     others going to the gateway; 0 for none ({@code bench.latency-grpc-every})
 * @param latencyWarmupRounds whole latency rounds of each system, unrecorded, before the recorded
 *     ones: the broker in this JVM and both systems' code paths are compiled by then ({@code
 *     bench.latency-warmup-rounds})
 * @param latencyRuns recorded latency rounds of each system, after the warm-up ones; the table
 *     reports the median of each percentile over them ({@code bench.latency-runs})
 * @param latencyWarmup unrecorded sending before the recorded window ({@code bench.latency-warmup-seconds})
 * @param latencyDuration the recorded window ({@code bench.latency-seconds})
 * @param phases which phases run: {@code throughput}, {@code latency} or both ({@code bench.phases})
 * @param systems which systems the throughput and latency phases run: {@code tributary}, {@code
 *     kafka-streams} or both ({@code bench.systems})
 * @param seed the seed of every generated workload ({@code bench.seed})
 * @param kafkaProperties client properties given to both systems alike: the defaults below,
 *     replaced or extended by {@code bench.kafka.<property>}
 * @param brokerProperties settings of the in-JVM broker that replace or add to the dev server's
 *     ({@code bench.broker.<property>})
 */
record BenchSettings(
    int commands,
    int accounts,
    double zipfExponent,
    int runs,
    int warmups,
    int partitions,
    int maxBatchRecords,
    Duration pollTimeout,
    int taskThreads,
    long stateCacheBytes,
    boolean localHandoff,
    int streamsThreads,
    int latencyRate,
    int latencyGrpcEvery,
    int latencyWarmupRounds,
    int latencyRuns,
    Duration latencyWarmup,
    Duration latencyDuration,
    String phases,
    String systems,
    long seed,
    Map<String, String> kafkaProperties,
    Map<String, String> brokerProperties) {

  private static final RuntimeSettings RUNTIME_DEFAULTS = RuntimeSettings.defaults("unused:9092", Path.of("."));
  private static final String KAFKA_PREFIX = "bench.kafka.";
  private static final String BROKER_PREFIX = BenchBroker.BROKER_OVERRIDE;

  /** Larger producer batches: a transaction of thousands of small records spans few requests. */
  private static final Map<String, String> DEFAULT_KAFKA_PROPERTIES = Map.of("batch.size", "262144");

  BenchSettings {
    kafkaProperties = Map.copyOf(kafkaProperties);
    brokerProperties = Map.copyOf(brokerProperties);
    if (commands < 1 || accounts < 1 || runs < 1 || warmups < 0 || partitions < 1) {
      throw new IllegalArgumentException("bench.commands, bench.accounts, bench.runs and bench.partitions must be"
          + " at least 1 and bench.warmups at least 0; got " + commands + ", " + accounts + ", " + runs + ", "
          + partitions + " and " + warmups + ".");
    }
    if (latencyRuns < 1) {
      throw new IllegalArgumentException("bench.latency-runs must be 1 or more; got " + latencyRuns + ".");
    }
    if (latencyWarmupRounds < 0) {
      throw new IllegalArgumentException("bench.latency-warmup-rounds must be 0 or more; got " + latencyWarmupRounds + ".");
    }
    if (latencyGrpcEvery < 0) {
      throw new IllegalArgumentException("bench.latency-grpc-every must be 0 (no gRPC calls) or more; got "
          + latencyGrpcEvery + ".");
    }
  }

  static BenchSettings fromSystemProperties() {
    Properties system = System.getProperties();
    Map<String, String> kafka = new LinkedHashMap<>(DEFAULT_KAFKA_PROPERTIES);
    Map<String, String> broker = new LinkedHashMap<>();
    for (String name : system.stringPropertyNames()) {
      if (name.startsWith(KAFKA_PREFIX)) {
        kafka.put(name.substring(KAFKA_PREFIX.length()), system.getProperty(name));
      } else if (name.startsWith(BROKER_PREFIX)) {
        broker.put(name.substring(BROKER_PREFIX.length()), system.getProperty(name));
      }
    }
    int taskThreads = integer("bench.task-threads", 1);
    return new BenchSettings(
        integer("bench.commands", 1_000_000),
        integer("bench.accounts", 100_000),
        Double.parseDouble(System.getProperty("bench.zipf-exponent", "0.99")),
        integer("bench.runs", 3),
        integer("bench.warmups", 3),
        integer("bench.partitions", 8),
        integer("bench.max-batch-records", RUNTIME_DEFAULTS.maxBatchRecords()),
        Duration.ofMillis(integer("bench.poll-timeout-ms", 100)),
        taskThreads,
        wholeNumber("bench.state-cache-bytes", RUNTIME_DEFAULTS.stateCacheBytes()),
        Boolean.parseBoolean(
            System.getProperty("bench.local-handoff", String.valueOf(RUNTIME_DEFAULTS.localHandoff()))),
        integer("bench.streams-threads", taskThreads),
        integer("bench.latency-rate", 10_000),
        integer("bench.latency-grpc-every", 10),
        integer("bench.latency-warmup-rounds", 3),
        integer("bench.latency-runs", 3),
        Duration.ofSeconds(integer("bench.latency-warmup-seconds", 5)),
        Duration.ofSeconds(integer("bench.latency-seconds", 20)),
        System.getProperty("bench.phases", "throughput,latency"),
        System.getProperty("bench.systems", "tributary,kafka-streams"),
        Long.parseLong(System.getProperty("bench.seed", "20261122")),
        kafka,
        broker);
  }

  boolean runsPhase(String phase) {
    return listed(phases, phase);
  }

  boolean runsSystem(String system) {
    return listed(systems, system);
  }

  private static boolean listed(String list, String name) {
    return ("," + list.replace(" ", "") + ",").contains("," + name + ",");
  }

  @Override
  public String toString() {
    return "commands=" + commands + " accounts=" + accounts + " zipf-exponent=" + zipfExponent + " runs=" + runs
        + " warmups=" + warmups + " partitions=" + partitions + " max-batch-records=" + maxBatchRecords
        + " poll-timeout=" + pollTimeout.toMillis() + "ms task-threads=" + taskThreads + " state-cache-bytes="
        + stateCacheBytes + " local-handoff=" + localHandoff + " streams-threads="
        + streamsThreads + " latency-rate="
        + latencyRate + "/s latency-grpc-every=" + latencyGrpcEvery + " latency-warmup-rounds=" + latencyWarmupRounds
        + " latency-runs=" + latencyRuns
        + " latency=" + latencyWarmup.toSeconds() + "s+" + latencyDuration.toSeconds() + "s phases="
        + phases + " systems=" + systems + " seed=" + seed + " kafka=" + kafkaProperties + " broker=" + brokerProperties;
  }

  private static int integer(String name, int defaultValue) {
    long value = wholeNumber(name, defaultValue);
    if (value != (int) value) {
      throw new IllegalArgumentException("-D" + name + "=" + value + " is out of range: at most " + Integer.MAX_VALUE
          + ".");
    }
    return (int) value;
  }

  private static long wholeNumber(String name, long defaultValue) {
    String value = System.getProperty(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + "=" + value + " is not a whole number.", e);
    }
  }
}
