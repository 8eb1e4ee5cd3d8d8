package io.tributary.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark's own access to the broker: it creates and deletes the topics of a run, reads end
 * offsets and a group's committed offsets, and counts what a run wrote. Used by the main thread only.
 */
final class BenchKafka implements AutoCloseable {
  private static final Duration TOPIC_READY_WAIT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final Map<String, String> clientProperties;
  private final int partitions;
  private final Admin admin;

  BenchKafka(String bootstrapServers, Map<String, String> clientProperties, int partitions) {
    this.bootstrapServers = bootstrapServers;
    this.clientProperties = Map.copyOf(clientProperties);
    this.partitions = partitions;
    this.admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  /** @return the pass-through client properties both systems and the benchmark's own clients get */
  Map<String, String> clientProperties() {
    return clientProperties;
  }

  int partitions() {
    return partitions;
  }

  /**
   * Creates the topics and waits until the broker holds a log for every partition: a produce that
   * reaches the broker before its log exists is refused ({@code NOT_LEADER_OR_FOLLOWER}), which was
   * seen to break the loader's idempotent sequence numbers.
   */
  void createTopics(Collection<String> topics) throws InterruptedException {
    List<NewTopic> created = topics.stream().map(topic -> new NewTopic(topic, partitions, (short) 1)).toList();
    await(() -> admin.createTopics(created).all().get());
    List<TopicPartition> expected = partitionsOf(topics);
    long deadline = System.nanoTime() + TOPIC_READY_WAIT.toNanos();
    while (!hostedLogs().containsAll(expected)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("The broker has no log for some partitions of " + topics + " after "
            + TOPIC_READY_WAIT);
      }
      Thread.sleep(20);
    }
  }

  private Set<TopicPartition> hostedLogs() {
    List<Integer> brokers = await(() -> admin.describeCluster().nodes().get()).stream().map(Node::id).toList();
    Set<TopicPartition> hosted = new HashSet<>();
    await(() -> admin.describeLogDirs(brokers).allDescriptions().get()).values().forEach(dirs ->
        dirs.values().forEach(dir -> hosted.addAll(dir.replicaInfos().keySet())));
    return hosted;
  }

  /** Deletes every topic whose name starts with {@code prefix}, internal topics of a Streams app included. */
  void deleteTopicsStartingWith(String prefix) {
    List<String> doomed = await(() -> admin.listTopics().names().get()).stream()
        .filter(name -> name.startsWith(prefix)).toList();
    if (!doomed.isEmpty()) {
      await(() -> admin.deleteTopics(doomed).all().get());
    }
  }

  /** @return the end (last stable) offset of every partition of {@code topic} */
  Map<TopicPartition, Long> endOffsets(String topic) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitionsOf(topic).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, Long> ends = new HashMap<>();
    await(() -> admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()).forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  /** @return the offsets {@code group} has committed, absent for partitions it has not committed yet */
  Map<TopicPartition, Long> committedOffsets(String group) {
    Map<TopicPartition, OffsetAndMetadata> committed =
        await(() -> admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
    Map<TopicPartition, Long> offsets = new HashMap<>();
    committed.forEach((tp, offset) -> {
      if (offset != null) {
        offsets.put(tp, offset.offset());
      }
    });
    return offsets;
  }

  /**
   * Reads every committed record of {@code topic} from the start to its end offsets.
   *
   * @return how many records were read
   */
  long scan(String topic, Consumer<byte[]> eachValue) {
    Map<TopicPartition, Long> ends = endOffsets(topic);
    long read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer("scan")) {
      consumer.assign(ends.keySet());
      consumer.seekToBeginning(ends.keySet());
      while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          eachValue.accept(record.value());
          read++;
        }
      }
    }
    return read;
  }

  /** @return a read_committed consumer without a group, with the pass-through properties */
  KafkaConsumer<byte[], byte[]> consumer(String clientId) {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-" + clientId);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** @return an idempotent producer with the pass-through properties and then {@code overrides} */
  KafkaProducer<byte[], byte[]> producer(String clientId, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.putAll(overrides);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-" + clientId);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  List<TopicPartition> partitionsOf(String topic) {
    return IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
  }

  List<TopicPartition> partitionsOf(Collection<String> topics) {
    List<TopicPartition> all = new ArrayList<>();
    topics.forEach(topic -> all.addAll(partitionsOf(topic)));
    return all;
  }

  @Override
  public void close() {
    admin.close();
  }

  private interface AdminCall<T> {
    T call() throws InterruptedException, ExecutionException;
  }

  private static <T> T await(AdminCall<T> call) {
    try {
      return call.call();
    } catch (ExecutionException e) {
      throw new IllegalStateException("A Kafka admin call of the benchmark failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted during a Kafka admin call", e);
    }
  }
}
