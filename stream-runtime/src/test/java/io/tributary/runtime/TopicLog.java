package io.tributary.runtime;

import com.google.protobuf.Parser;
import io.tributary.runtime.internal.Topics;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as a read_committed consumer sees it, for assertions over the log. */
final class TopicLog {
  /** A record with where it sits. */
  record Entry<T>(int partition, long offset, T value) {}

  private TopicLog() {}

  static List<Entry<EventRecord>> events(String bootstrap, String service, int partitions) {
    return read(bootstrap, Topics.of(service).events(), partitions, EventRecord.parser());
  }

  static List<Entry<OutcomeRecord>> outcomes(String bootstrap, String service, int partitions) {
    return read(bootstrap, Topics.of(service).outcomes(), partitions, OutcomeRecord.parser());
  }

  /** @return how many records the topic holds, committed or not (its end offsets) */
  static long endOffsets(String bootstrap, String topic, int partitions) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, "read_uncommitted")) {
      List<TopicPartition> all = partitions(topic, partitions);
      return consumer.endOffsets(all).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static <T> List<Entry<T>> read(String bootstrap, String topic, int partitions, Parser<T> parser) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, "read_committed")) {
      List<TopicPartition> all = partitions(topic, partitions);
      consumer.assign(all);
      consumer.seekToBeginning(all);
      Map<TopicPartition, Long> end = consumer.endOffsets(all);
      List<Entry<T>> entries = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (all.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end within 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          try {
            entries.add(new Entry<>(record.partition(), record.offset(), parser.parseFrom(record.value())));
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("unparsable record in " + topic + " at " + record.offset(), e);
          }
        }
      }
      return entries;
    }
  }

  private static List<TopicPartition> partitions(String topic, int partitions) {
    return IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
