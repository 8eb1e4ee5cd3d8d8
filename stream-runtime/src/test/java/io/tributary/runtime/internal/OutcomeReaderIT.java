package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.core.error.TransientException;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Position;
import io.tributary.testkit.WithDevServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outcome reader completes a caller's future from whichever source has the committed outcome
 * first: the task loop of its own instance, or the outcomes topic (outcomes decided elsewhere); passes
 * over the records a loop of its instance appended while it owned the partition, and reads the
 * partition's next owner's after the loop let it go; and fails the waits left when it closes.
 */
@WithDevServices
class OutcomeReaderIT {
  @TempDir Path stateDir;

  @Test
  void completesCallersFromTheTaskLoopAndOthersFromTheTopicWithoutReadingBackWhatTheLoopAppended(KafkaEndpoint kafka) throws Exception {
    String service = "outcomes-" + UUID.randomUUID().toString().substring(0, 8);
    RuntimeSettings settings = RuntimeSettings.defaults(kafka.bootstrapServers(), stateDir).withPartitions(2);
    KafkaClients clients = new KafkaClients(settings, service, "i-1");
    Topics topics = Topics.of(service);
    try (Admin admin = clients.admin()) {
      topics.ensure(admin, settings);
    }
    try (OutcomeReader reader = new OutcomeReader(clients.outcomeConsumer(), topics.outcomes(), 2)) {
      reader.start();
      CompletableFuture<CommandOutcome> local = reader.await("c-local");
      CompletableFuture<CommandOutcome> elsewhere = reader.await("c-elsewhere");
      CompletableFuture<CommandOutcome> nextOwner = reader.await("c-next-owner");

      // the task loop took partition 0 with its outcomes replayed to offset 0, appended c-local at
      // offset 0 and c-nobody-waits at 1, and committed
      reader.owned(0, 0);
      reader.committed(0, 0, 1, List.of(DecidedOutcome.complete(CommandKey.of("c-local"), accepted("c-local", 3)),
          DecidedOutcome.complete(CommandKey.of("c-nobody-waits"), rejected("c-nobody-waits"))));

      assertThat(local.get(10, TimeUnit.SECONDS)).isEqualTo(
          new CommandOutcome.Accepted("c-local", 3, 1, java.util.Optional.of(new io.tributary.runtime.Position(1, 41)),
              false));
      assertThat(elsewhere).as("an outcome the task loop did not report").isNotDone();

      // the caller resends c-local; the records the task loop appended then arrive through the topic,
      // and another instance, owner of partition 1, appends c-elsewhere there
      CompletableFuture<CommandOutcome> resent = reader.await("c-local");
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
          Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        append(producer, topics.outcomes(), 0, accepted("c-local", 3));
        append(producer, topics.outcomes(), 0, rejected("c-nobody-waits"));
        append(producer, topics.outcomes(), 1, rejected("c-elsewhere"));
        assertThat(elsewhere.get(30, TimeUnit.SECONDS))
            .isEqualTo(new CommandOutcome.Rejected("c-elsewhere", "INSUFFICIENT_FUNDS", "balance 0", false));

        // the loop lets partition 0 go; its next owner appends c-next-owner at offset 2
        reader.released(0);
        append(producer, topics.outcomes(), 0, rejected("c-next-owner"));
        assertThat(nextOwner.get(30, TimeUnit.SECONDS))
            .isEqualTo(new CommandOutcome.Rejected("c-next-owner", "INSUFFICIENT_FUNDS", "balance 0", false));
      }
      assertThat(resent).as("the resend waits for its own outcome, not the first one, read after it").isNotDone();

      // a command and its resend decided in one batch: the waiting caller gets the resend's outcome
      CompletableFuture<CommandOutcome> twice = reader.await("c-twice");
      DecidedOutcome first = DecidedOutcome.complete(CommandKey.of("c-twice"), accepted("c-twice", 1));
      reader.committed(1, -1, -1, List.of(first, DecidedOutcome.duplicate(CommandKey.of("c-twice"), first)));
      assertThat(twice.get(10, TimeUnit.SECONDS)).isEqualTo(
          new CommandOutcome.Accepted("c-twice", 1, 1, java.util.Optional.of(new io.tributary.runtime.Position(1, 41)),
              true));

      // closing answers every caller still waiting: the outcome is not known here, a resend is safe
      reader.close();
      for (CompletableFuture<CommandOutcome> unanswered : List.of(resent, reader.await("c-after-close"))) {
        assertThat(unanswered).failsWithin(Duration.ofSeconds(1))
            .withThrowableOfType(ExecutionException.class)
            .havingCause()
            .isInstanceOf(TransientException.class)
            .withMessageContaining("Resending the same command id");
      }
    }
  }

  private static void append(KafkaProducer<byte[], byte[]> producer, String topic, int partition, OutcomeRecord record)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, partition, record.getCommandId().getBytes(StandardCharsets.UTF_8),
        record.toByteArray())).get(10, TimeUnit.SECONDS);
  }

  private static OutcomeRecord accepted(String commandId, long version) {
    return OutcomeRecord.newBuilder().setCommandId(commandId).setAggregateType("Account").setAggregateId("a-1")
        .setAccepted(OutcomeRecord.Accepted.newBuilder().setVersion(version).setEventCount(1)
            .setLastEvent(Position.newBuilder().setPartition(1).setOffset(41)))
        .build();
  }

  private static OutcomeRecord rejected(String commandId) {
    return OutcomeRecord.newBuilder().setCommandId(commandId).setAggregateType("Account").setAggregateId("a-1")
        .setRejected(OutcomeRecord.Rejected.newBuilder().setCode("INSUFFICIENT_FUNDS").setMessage("balance 0"))
        .build();
  }
}
