package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.testkit.WithDevServices;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Before a newly assigned partition is replayed, its last stable offset covers every transaction
 * that committed on it; a transaction still ongoing (an owner that lost the partition) is not waited
 * for.
 */
@WithDevServices
class CommittingTransactionsIT {
  private static final int COMMITS = 40;

  @TempDir Path stateDir;

  @Test
  void aCommittedTransactionIsCoveredByTheLastStableOffsetOnceTheCheckReturns(KafkaEndpoint kafka) throws Exception {
    Fixture fixture = fixture(kafka);
    TopicPartition events = new TopicPartition(fixture.topics.events(), 0);
    try (Admin admin = fixture.clients.admin();
        Consumer<byte[], byte[]> replay = fixture.clients.replayConsumer(0);
        KafkaProducer<byte[], byte[]> producer = transactional(kafka, "committer")) {
      CommittingTransactions committing = committing(admin);
      producer.initTransactions();
      replay.assign(List.of(events)); // read_committed ends are kept for assigned partitions only
      int waited = 0;
      for (int i = 0; i < COMMITS; i++) {
        producer.beginTransaction();
        RecordMetadata sent = producer.send(new ProducerRecord<>(events.topic(), 0, new byte[] {1}, new byte[] {2}))
            .get(10, TimeUnit.SECONDS);
        producer.commitTransaction(); // returns once the commit is decided; the markers follow

        CommittingTransactions.Covered covered = committing.awaitCommitted(List.of(events));
        waited += covered.waited() ? 1 : 0;

        assertThat(covered.lastStable().get(events)).as("commit %d: the end the check gives the replay", i)
            .isGreaterThan(sent.offset());

        long lastStable = replay.endOffsets(List.of(events)).get(events);
        assertThat(lastStable).as("commit %d: the last stable offset once the check returned", i)
            .isGreaterThan(sent.offset());
      }
      System.out.printf("%d of %d checks right after a commit waited for its markers%n", waited, COMMITS);
    }
  }

  @Test
  void anOngoingTransactionIsNotWaitedFor(KafkaEndpoint kafka) throws Exception {
    Fixture fixture = fixture(kafka);
    TopicPartition events = new TopicPartition(fixture.topics.events(), 1);
    TopicPartition outcomes = new TopicPartition(fixture.topics.outcomes(), 1);
    try (Admin admin = fixture.clients.admin();
        KafkaProducer<byte[], byte[]> frozenOwner = transactional(kafka, "frozen-owner")) {
      CommittingTransactions committing = committing(admin);
      assertThat(committing.awaitCommitted(List.of(events, outcomes)).waited()).as("nothing open").isFalse();

      frozenOwner.initTransactions();
      frozenOwner.beginTransaction();
      frozenOwner.send(new ProducerRecord<>(events.topic(), 1, new byte[] {1}, new byte[] {2})).get(10, TimeUnit.SECONDS);
      assertThat(openOn(admin, events)).as("the frozen owner's transaction is open").isTrue();

      CommittingTransactions.Covered covered = committing.awaitCommitted(List.of(events, outcomes));
      assertThat(covered.waited()).isFalse();
      assertThat(covered.lastStable().get(events)).as("the end stops at the frozen owner's transaction").isZero();
      assertThat(openOn(admin, events)).as("still open: the check returned without waiting for it to end").isTrue();

      frozenOwner.abortTransaction();
    }
  }

  private static CommittingTransactions committing(Admin admin) {
    return new CommittingTransactions(admin, CommittingTransactions.maxWait(Map.of()), () -> false);
  }

  private record Fixture(KafkaClients clients, Topics topics) {}

  private Fixture fixture(KafkaEndpoint kafka) throws Exception {
    String service = "committing-" + UUID.randomUUID().toString().substring(0, 8);
    RuntimeSettings settings = RuntimeSettings.defaults(kafka.bootstrapServers(), stateDir).withPartitions(2);
    KafkaClients clients = new KafkaClients(settings, service, "i-1");
    Topics topics = Topics.of(service);
    try (Admin admin = clients.admin()) {
      topics.ensure(admin, settings);
    }
    return new Fixture(clients, topics);
  }

  private static KafkaProducer<byte[], byte[]> transactional(KafkaEndpoint kafka, String name) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, name + "-" + UUID.randomUUID(),
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofMinutes(1).toMillis()),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static boolean openOn(Admin admin, TopicPartition partition) throws Exception {
    return admin.describeProducers(List.of(partition)).partitionResult(partition).get(10, TimeUnit.SECONDS)
        .activeProducers().stream().anyMatch(producer -> producer.currentTransactionStartOffset().isPresent());
  }
}
