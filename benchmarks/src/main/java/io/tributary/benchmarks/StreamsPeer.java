package io.tributary.benchmarks;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.DoubleStream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka Streams peer: a Processor API topology {@code commands -> AccountProcessor -> events,
 * outcomes} with a persistent RocksDB key-value store (changelog on, as by default; record cache
 * on, Kafka Streams' own default cache size), {@code processing.guarantee=exactly_once_v2}, and
 * otherwise Kafka Streams' defaults (a commit every 100 ms under exactly-once) plus the
 * pass-through client properties both systems get. It writes one event per accepted command and
 * one outcome per rejected command; see {@link AccountProcessor}.
 */
final class StreamsPeer implements CommandProcessor {
  private final BenchKafka kafka;
  private final BenchSettings settings;

  StreamsPeer(BenchKafka kafka, BenchSettings settings) {
    this.kafka = kafka;
    this.settings = settings;
  }

  @Override
  public String name() {
    return "kafka-streams";
  }

  @Override
  public String group(String run) {
    return run; // the application id
  }

  /** Starts the peer on the run's topics and returns at once; Kafka Streams joins and restores in its threads. */
  KafkaStreams startStreams(String run, Path stateDir, AtomicReference<@Nullable Throwable> failure) {
    KafkaStreams streams = new KafkaStreams(topology(RunTopics.of(run)), config(run, stateDir));
    streams.setUncaughtExceptionHandler(error -> {
      failure.compareAndSet(null, error);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    return streams;
  }

  @Override
  public Running start(String run, Path stateDir) {
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    KafkaStreams streams = startStreams(run, stateDir, failure);
    return new Running() {
      @Override
      public @Nullable Throwable failure() {
        if (failure.get() == null && streams.state() == KafkaStreams.State.ERROR) {
          return new IllegalStateException("Kafka Streams is in state ERROR");
        }
        return failure.get();
      }

      @Override
      public String stats() {
        return String.format(Locale.ROOT, "%.0f commits, mean commit %.1f ms",
            threadMetric(streams, "commit-total").sum(),
            threadMetric(streams, "commit-latency-avg").average().orElse(Double.NaN));
      }

      @Override
      public void close() {
        streams.close();
      }
    };
  }

  @Override
  public Tally tally(BenchKafka kafka, RunTopics topics) {
    return new Tally(kafka.scan(topics.events(), value -> {}), kafka.scan(topics.outcomes(), value -> {}), 0);
  }

  private Properties config(String run, Path stateDir) {
    Properties config = new Properties();
    config.putAll(kafka.clientProperties());
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, run);
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamsThreads());
    return config;
  }

  private static Topology topology(RunTopics topics) {
    Topology topology = new Topology();
    topology.addSource("commands", new StringDeserializer(), new ByteArrayDeserializer(), topics.commands());
    topology.addProcessor("accounts", AccountProcessor::new, "commands");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AccountProcessor.STORE),
        Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), "accounts");
    topology.addSink(AccountProcessor.EVENTS_SINK, topics.events(), new StringSerializer(), new ByteArraySerializer(),
        "accounts");
    topology.addSink(AccountProcessor.OUTCOMES_SINK, topics.outcomes(), new StringSerializer(),
        new ByteArraySerializer(), "accounts");
    return topology;
  }

  /** @return the values of a thread-level metric, one per stream thread */
  private static DoubleStream threadMetric(KafkaStreams streams, String name) {
    return streams.metrics().values().stream()
        .filter(metric -> metric.metricName().name().equals(name)
            && metric.metricName().group().equals("stream-thread-metrics"))
        .map(Metric::metricValue)
        .filter(value -> value instanceof Number)
        .mapToDouble(value -> ((Number) value).doubleValue())
        .filter(Double::isFinite);
  }
}
