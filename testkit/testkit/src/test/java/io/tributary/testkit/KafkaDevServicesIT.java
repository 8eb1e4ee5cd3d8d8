package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.devservices.KafkaEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@WithDevServices
class KafkaDevServicesIT {

  @Test
  void readCommittedSeesOnlyCommittedTransactions(KafkaEndpoint kafka) throws Exception {
    String topic = "round-trip-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + topic),
        new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      sendInTransaction(producer, topic, List.of("a", "b", "c"));
      producer.commitTransaction();
      sendInTransaction(producer, topic, List.of("aborted-1", "aborted-2"));
      producer.abortTransaction();
      sendInTransaction(producer, topic, List.of("d"));
      producer.commitTransaction();
    }

    assertThat(readAll(kafka, topic, "read_committed", 4)).containsExactly("a", "b", "c", "d");
    // the aborted records are in the log: only the isolation level hides them
    assertThat(readAll(kafka, topic, "read_uncommitted", 6))
        .containsExactly("a", "b", "c", "aborted-1", "aborted-2", "d");
  }

  private static void sendInTransaction(KafkaProducer<String, String> producer, String topic, List<String> values) {
    producer.beginTransaction();
    values.forEach(value -> producer.send(new ProducerRecord<>(topic, "key", value)));
    producer.flush();
  }

  private static List<String> readAll(KafkaEndpoint kafka, String topic, String isolation, int expected) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      // read past the expected count once more, so that an extra record would show up too
      int emptyPollsAfterExpected = 0;
      while (System.nanoTime() < deadline && emptyPollsAfterExpected < 2) {
        var records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> record : records) {
          values.add(record.value());
        }
        if (values.size() >= expected && records.isEmpty()) {
          emptyPollsAfterExpected++;
        }
      }
    }
    return values;
  }
}
