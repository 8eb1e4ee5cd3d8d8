package io.tributary.projection.rebuild.internal;

import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Measures how far a reader of a topic is behind its {@code read_committed} end: for each partition,
 * the next offset the reader will apply against the last stable offset.
 *
 * <p>Offsets alone cannot say "caught up" on a transactional topic: every transaction ends with a
 * marker that takes an offset but is no record, so a reader that applied every record still sits
 * at least one offset below the end. When the offsets differ, {@link #sample} therefore reads from
 * the reader's next offset with a {@code read_committed} consumer of its own (no group): if no
 * record below the end comes back, the partition is drained. One short fetch per partition.
 *
 * <p>Not thread-safe: one caller at a time.
 */
public final class Backlog implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration POLL = Duration.ofMillis(50);

  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> probe;
  private final String topic;
  private final String bootstrapServers;

  /** One partition: where the reader is and where the end is. */
  public record PartitionBacklog(int partition, long next, long end, boolean drained) {
    /** @return offsets still to read, 0 once drained (an upper bound: markers take offsets too) */
    public long left() {
      return drained ? 0 : Math.max(1, end - next);
    }
  }

  private Backlog(Admin admin, KafkaConsumer<byte[], byte[]> probe, String topic, String bootstrapServers) {
    this.admin = admin;
    this.probe = probe;
    this.topic = topic;
    this.bootstrapServers = bootstrapServers;
  }

  /** Opens an admin client and a probe consumer; nothing is contacted yet. */
  public static Backlog open(String bootstrapServers, Map<String, String> kafkaProperties, String topic) {
    Map<String, Object> common = new HashMap<>(kafkaProperties);
    common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    Map<String, Object> consumer = new HashMap<>(common);
    consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
    consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
    Admin admin = Admin.create(adminConfig(common));
    try {
      return new Backlog(admin, new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
          topic, bootstrapServers);
    } catch (RuntimeException e) {
      admin.close();
      throw e;
    }
  }

  private static Map<String, Object> adminConfig(Map<String, Object> common) {
    Map<String, Object> config = new HashMap<>();
    // consumer-only keys would make the admin client log warnings; keep the connection settings
    common.forEach((key, value) -> {
      if (!key.startsWith("isolation.") && !key.startsWith("max.poll") && !key.startsWith("fetch.")
          && !key.startsWith("session.") && !key.startsWith("heartbeat.") && !key.startsWith("auto.")
          && !key.startsWith("enable.auto") && !key.startsWith("group.") && !key.startsWith("max.partition")) {
        config.put(key, value);
      }
    });
    return config;
  }

  /** @return the topic's partitions, in order */
  public List<Integer> partitions() {
    TopicDescription description =
        await("describing topic " + topic, admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
    return description.partitions().stream().map(info -> info.partition()).sorted().toList();
  }

  /** @return the {@code read_committed} end (last stable offset) of each partition */
  public SortedMap<Integer, Long> endOffsets(List<Integer> partitions) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(new TopicPartition(topic, p), OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> result = await("reading the end offsets of " + topic,
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all());
    SortedMap<Integer, Long> ends = new TreeMap<>();
    result.forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
    return ends;
  }

  /** @return the offsets {@code groupId} committed on the topic, by partition; absent where none */
  public Map<Integer, Long> committed(String groupId) {
    Map<TopicPartition, OffsetAndMetadata> offsets = await("reading the committed offsets of group " + groupId,
        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata());
    Map<Integer, Long> committed = new HashMap<>();
    offsets.forEach((tp, offset) -> {
      if (tp.topic().equals(topic) && offset != null) {
        committed.put(tp.partition(), offset.offset());
      }
    });
    return committed;
  }

  /**
   * @param next per partition, the next offset the reader applies; a partition missing is at 0
   * @param probeWait how long the probe may read to decide partitions whose offsets differ from the end
   * @return per partition, the reader's backlog against the end sampled now
   */
  public SortedMap<Integer, PartitionBacklog> sample(List<Integer> partitions, Map<Integer, Long> next,
      Duration probeWait) {
    SortedMap<Integer, Long> ends = endOffsets(partitions);
    Set<Integer> drained = new HashSet<>();
    List<TopicPartition> toProbe = new ArrayList<>();
    for (int p : partitions) {
      if (next.getOrDefault(p, 0L) >= ends.get(p)) {
        drained.add(p);
      } else {
        toProbe.add(new TopicPartition(topic, p));
      }
    }
    drained.addAll(probe(toProbe, next, ends, probeWait));
    SortedMap<Integer, PartitionBacklog> backlog = new TreeMap<>();
    for (int p : partitions) {
      backlog.put(p, new PartitionBacklog(p, next.getOrDefault(p, 0L), ends.get(p), drained.contains(p)));
    }
    return backlog;
  }

  /** @return the partitions of {@code toProbe} that hold no committed record in [next, end) */
  private Set<Integer> probe(List<TopicPartition> toProbe, Map<Integer, Long> next, Map<Integer, Long> ends,
      Duration wait) {
    Set<Integer> drained = new HashSet<>();
    if (toProbe.isEmpty()) {
      return drained;
    }
    try {
      probe.assign(toProbe);
      toProbe.forEach(tp -> probe.seek(tp, next.getOrDefault(tp.partition(), 0L)));
      Set<TopicPartition> undecided = new HashSet<>(toProbe);
      long deadline = System.nanoTime() + wait.toNanos();
      while (!undecided.isEmpty() && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> records = probe.poll(POLL);
        for (TopicPartition tp : records.partitions()) {
          List<ConsumerRecord<byte[], byte[]>> found = records.records(tp);
          if (undecided.remove(tp) && found.getFirst().offset() >= ends.get(tp.partition())) {
            drained.add(tp.partition()); // the first record is newer than the sampled end
          }
        }
        for (TopicPartition tp : List.copyOf(undecided)) {
          // the consumer moves past markers and aborted records without returning them
          if (probe.position(tp, CALL_TIMEOUT) >= ends.get(tp.partition())) {
            undecided.remove(tp);
            drained.add(tp.partition());
          }
        }
        probe.pause(toProbe.stream().filter(tp -> !undecided.contains(tp)).toList());
      }
      return drained;
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while reading " + topic + " to check the backlog", e);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new TransientException("Reading " + topic + " on " + bootstrapServers + " to check the backlog failed: "
          + e.getMessage() + ". Check that the brokers run; the check is repeated.", e);
    } finally {
      probe.assign(List.of());
    }
  }

  private <T> T await(String what, KafkaFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while " + what, e);
    } catch (TimeoutException e) {
      throw new TransientException("Kafka at " + bootstrapServers + " did not answer within " + CALL_TIMEOUT + " while "
          + what + ". Check that the brokers run and the address is right.", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof UnknownTopicOrPartitionException) {
        throw new TransientException("Topic " + topic + " does not exist on " + bootstrapServers + " (yet)."
            + " Check the service name; the service creates the topic when it first starts.", cause);
      }
      if (cause instanceof org.apache.kafka.common.errors.RetriableException) {
        throw new TransientException("Kafka at " + bootstrapServers + " failed " + what + ": " + cause.getMessage()
            + ". The check is repeated.", cause);
      }
      throw new PermanentException("Kafka at " + bootstrapServers + " refused " + what + ": " + cause
          + ". Check the address, the service name and the client's permissions.", cause);
    }
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      probe.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      admin.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
