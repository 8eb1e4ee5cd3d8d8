package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Appends the events and outcomes of a task loop's batches in an open transaction without waiting
 * for the broker where it can: it sends every batch's events, then the outcomes that go to the
 * topic ({@link DecidedOutcome#append}) and can be built already. Only an outcome that carries the
 * position of an event of its own batch (an acceptance another instance waits for, or a resend of
 * it in the same batch) needs the events' offsets first: if a batch has any, the appender flushes,
 * waits for the events once and sends those after. The caller flushes the rest; {@link
 * Appended#complete} then reads the offsets. Used by the task loop's committer thread only ({@link
 * BatchCommitter}).
 */
final class BatchAppender {
  /** What the batches appended, per partition: the sends of the events, and of the first and last outcome. */
  static final class Appended {
    private final List<PartitionBatch> batches;
    private final Map<PartitionBatch, List<Future<RecordMetadata>>> events;
    private final Map<Integer, Future<RecordMetadata>> firstOutcomes = new HashMap<>();
    private final Map<Integer, Future<RecordMetadata>> lastOutcomes = new HashMap<>();
    private final Map<Integer, long[]> next = new HashMap<>();
    private boolean positioned;

    private Appended(List<PartitionBatch> batches, Map<PartitionBatch, List<Future<RecordMetadata>>> events) {
      this.batches = batches;
      this.events = events;
    }

    private void outcomeSent(int partition, Future<RecordMetadata> send) {
      firstOutcomes.putIfAbsent(partition, send);
      lastOutcomes.put(partition, send);
    }

    /** Gives every acceptance the position of its last event; waits for the events if they are not flushed yet. */
    private void fillPositions() {
      if (positioned) {
        return;
      }
      for (PartitionBatch batch : batches) {
        long[] offsets = offsets(events.get(batch));
        batch.fillPositions(offsets);
        next.put(batch.partition(), new long[] {offsets.length == 0 ? -1 : offsets[offsets.length - 1] + 1, -1});
      }
      positioned = true;
    }

    /**
     * Reads the offsets once the commit has flushed every send, and gives the acceptances their
     * positions: their records can be built from then on.
     *
     * @return this
     */
    Appended complete() {
      fillPositions();
      lastOutcomes.forEach((partition, send) -> next.get(partition)[1] = offset(send) + 1);
      return this;
    }

    /** @return per partition {next events offset or -1, next outcomes offset or -1}; after {@link #complete} */
    Map<Integer, long[]> nextOffsets() {
      return next;
    }

    /** @return the offset of the partition's first outcome, or -1 if it appended none; after {@link #complete} */
    long firstOutcomeOffset(int partition) {
      Future<RecordMetadata> first = firstOutcomes.get(partition);
      return first == null ? -1 : offset(first);
    }
  }

  private final Producer<byte[], byte[]> producer;
  private final Topics topics;

  BatchAppender(Producer<byte[], byte[]> producer, Topics topics) {
    this.producer = producer;
    this.topics = topics;
  }

  /** Sends the batches' events and outcomes in the open transaction; see the class comment. */
  Appended append(List<PartitionBatch> batches) throws KafkaException {
    Appended appended = new Appended(batches, sendEvents(batches));
    Map<PartitionBatch, List<DecidedOutcome>> unpositioned = new HashMap<>();
    for (PartitionBatch batch : batches) {
      for (DecidedOutcome outcome : batch.decidedOutcomes()) {
        if (!outcome.append()) {
          continue;
        }
        if (outcome.positioned() && !unpositioned.containsKey(batch)) {
          appended.outcomeSent(batch.partition(), sendOutcome(batch, outcome));
        } else {
          // the rest of the partition's outcomes wait too, so the topic keeps them in command order
          unpositioned.computeIfAbsent(batch, b -> new ArrayList<>()).add(outcome);
        }
      }
    }
    if (!unpositioned.isEmpty()) {
      producer.flush(); // sends now what would linger
      appended.fillPositions(); // waits for the events' offsets
      unpositioned.forEach((batch, outcomes) ->
          outcomes.forEach(outcome -> appended.outcomeSent(batch.partition(), sendOutcome(batch, outcome))));
    }
    return appended;
  }

  private Map<PartitionBatch, List<Future<RecordMetadata>>> sendEvents(List<PartitionBatch> batches) {
    Map<PartitionBatch, List<Future<RecordMetadata>>> eventSends = new HashMap<>();
    for (PartitionBatch batch : batches) {
      List<Future<RecordMetadata>> sends = new ArrayList<>(batch.events().size());
      for (EncodedEvent event : batch.events()) {
        sends.add(producer.send(new ProducerRecord<>(topics.events(), batch.partition(), event.key(), event.value())));
      }
      eventSends.put(batch, sends);
    }
    return eventSends;
  }

  private Future<RecordMetadata> sendOutcome(PartitionBatch batch, DecidedOutcome outcome) {
    OutcomeRecord record = outcome.get();
    return producer.send(new ProducerRecord<>(topics.outcomes(), batch.partition(),
        record.getCommandIdBytes().toByteArray(), record.toByteArray()));
  }

  private static long[] offsets(List<Future<RecordMetadata>> sends) {
    long[] offsets = new long[sends.size()];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = offset(sends.get(i));
    }
    return offsets;
  }

  private static long offset(Future<RecordMetadata> send) {
    try {
      return send.get().offset();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof KafkaException kafka ? kafka : new KafkaException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while appending", e);
    }
  }
}
