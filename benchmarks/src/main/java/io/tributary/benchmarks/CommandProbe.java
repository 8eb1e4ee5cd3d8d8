package io.tributary.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.internal.Topics;
import io.tributary.runtime.internal.wire.CommandRecord;
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
 * Sends one deposit to a service's commands topic, as the gateway would, and waits until its
 * outcome is committed on the outcomes topic ({@code read_committed}): the moment a command is
 * accepted. Partition 0 only, the partition whose recovery is measured.
 */
final class CommandProbe implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final Topics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> outcomes;
  private final TopicPartition outcomesPartition;
  private long sent;

  CommandProbe(BenchKafka kafka, String service) {
    this.topics = Topics.of(service);
    this.producer = kafka.producer("probe-" + service, Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
    this.outcomes = kafka.consumer("probe-" + service);
    this.outcomesPartition = new TopicPartition(topics.outcomes(), 0);
    outcomes.assign(List.of(outcomesPartition));
  }

  /**
   * Sends a deposit and waits for its outcome.
   *
   * @return nanoTime when the accepted outcome was read
   * @throws IllegalStateException if the outcome is not an acceptance or does not come in time
   */
  long sendAndAwaitAccepted() {
    outcomes.seekToEnd(List.of(outcomesPartition));
    outcomes.position(outcomesPartition); // resolve the end now, before the command can be answered
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
      for (ConsumerRecord<byte[], byte[]> record : outcomes.poll(Duration.ofMillis(5))) {
        OutcomeRecord outcome = parse(record.value());
        if (outcome.getCommandId().equals(commandId)) {
          long answered = System.nanoTime();
          if (!outcome.hasAccepted()) {
            throw new IllegalStateException("Probe " + commandId + " was not accepted: " + outcome);
          }
          return answered;
        }
      }
    }
    throw new IllegalStateException("Probe " + commandId + " got no outcome within " + TIMEOUT);
  }

  private static OutcomeRecord parse(byte[] value) {
    try {
      return OutcomeRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("An outcome record does not parse: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
    outcomes.close();
  }
}
