package io.tributary.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.internal.Topics;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Sends one deposit to a service's commands topic, as another producer would, and waits until its
 * acceptance is committed ({@code read_committed}): its last event on the events topic, which tells
 * the acceptance of a command no other instance waits for (ADR 0008), or an outcome record if it
 * was not accepted. Partition 0 only, the partition whose recovery is measured.
 */
final class CommandProbe implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final Topics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> watched;
  private long sent;

  CommandProbe(BenchKafka kafka, String service) {
    this.topics = Topics.of(service);
    this.producer = kafka.producer("probe-" + service, Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
    this.consumer = kafka.consumer("probe-" + service);
    this.watched = List.of(new TopicPartition(topics.events(), 0), new TopicPartition(topics.outcomes(), 0));
    consumer.assign(watched);
  }

  /**
   * Sends a deposit and waits for its outcome.
   *
   * @return nanoTime when the acceptance was read
   * @throws IllegalStateException if the outcome is not an acceptance or does not come in time
   */
  long sendAndAwaitAccepted() {
    consumer.seekToEnd(watched);
    watched.forEach(consumer::position); // resolve the ends now, before the command can be decided
    String commandId = "probe-" + System.nanoTime() + "-" + sent++;
    String account = "probe-acct-" + sent;
    byte[] command = CommandRecord.newBuilder()
        .setCommandId(commandId).setAggregateType(Account.TYPE).setAggregateId(account)
        .setCorrelationId(commandId).setCausationId(commandId).setTimestampMicros(System.currentTimeMillis() * 1000)
        .setCommand(Payload.newBuilder()
            .setTypeName(io.tributary.runtime.bank.v1.AccountCommand.getDescriptor().getFullName())
            .setData(Account.deposit(account, 10).toByteString()))
        .build().toByteArray();
    producer.send(new ProducerRecord<>(topics.commands(), 0, account.getBytes(StandardCharsets.UTF_8), command));
    producer.flush();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(5))) {
        if (record.topic().equals(topics.events())) {
          EventRecord event = parse(EventRecord.parser(), record.value());
          if (event.getCommandId().equals(commandId) && event.getCommandEvents() > 0) {
            return System.nanoTime();
          }
        } else {
          OutcomeRecord outcome = parse(OutcomeRecord.parser(), record.value());
          if (outcome.getCommandId().equals(commandId) && !outcome.hasAccepted()) {
            throw new IllegalStateException("Probe " + commandId + " was not accepted: " + outcome);
          }
        }
      }
    }
    throw new IllegalStateException("Probe " + commandId + " got no outcome within " + TIMEOUT);
  }

  private static <T> T parse(Parser<T> parser, byte[] value) {
    try {
      return parser.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A record the probe watches does not parse: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
    consumer.close();
  }
}
