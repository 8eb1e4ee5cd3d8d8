package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.EventRecord;
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
 * Appends the events and outcomes of a task loop's batches in its open transaction: sends every
 * batch's events, waits for their offsets (the outcomes carry them), then sends the outcomes that
 * go to the topic ({@link PartitionBatch#outcomesToAppend}) without waiting: the commit flushes
 * them. Used by the task loop's thread only.
 */
final class BatchAppender {
  /**
   * What a batch appended: per partition the next events offset and a slot for the next outcomes
   * offset, and the sends of its first and last outcome, whose offsets are read once the commit
   * flushed them.
   */
  record Appended(Map<Integer, long[]> next, Map<Integer, Future<RecordMetadata>> firstOutcomes,
      Map<Integer, Future<RecordMetadata>> lastOutcomes) {
    /**
     * @return per partition {next events offset or -1, next outcomes offset or -1}; call after the
     *     commit, which flushed every send, so no offset is waited for
     */
    Map<Integer, long[]> nextOffsets() {
      lastOutcomes.forEach((partition, send) -> next.get(partition)[1] = offsets(List.of(send)).getFirst() + 1);
      return next;
    }

    /** @return the offset of the partition's first outcome, or -1 if it appended none; call after the commit */
    long firstOutcomeOffset(int partition) {
      Future<RecordMetadata> first = firstOutcomes.get(partition);
      return first == null ? -1 : offsets(List.of(first)).getFirst();
    }
  }

  private final Producer<byte[], byte[]> producer;
  private final Topics topics;

  BatchAppender(Producer<byte[], byte[]> producer, Topics topics) {
    this.producer = producer;
    this.topics = topics;
  }

  /** Appends the batches' events, then their outcomes; see the class comment. */
  Appended append(List<PartitionBatch> batches) throws KafkaException {
    return sendOutcomes(batches, sendEvents(batches));
  }

  private Map<PartitionBatch, List<Future<RecordMetadata>>> sendEvents(List<PartitionBatch> batches) {
    Map<PartitionBatch, List<Future<RecordMetadata>>> eventSends = new HashMap<>();
    for (PartitionBatch batch : batches) {
      List<Future<RecordMetadata>> sends = new ArrayList<>(batch.events().size());
      for (EventRecord event : batch.events()) {
        sends.add(producer.send(new ProducerRecord<>(topics.events(), batch.partition(),
            event.getAggregateIdBytes().toByteArray(), event.toByteArray())));
      }
      eventSends.put(batch, sends);
    }
    return eventSends;
  }

  /** Waits for the events' offsets, fills them into the outcomes, and sends those without waiting. */
  private Appended sendOutcomes(List<PartitionBatch> batches,
      Map<PartitionBatch, List<Future<RecordMetadata>>> events) {
    producer.flush();
    Map<Integer, long[]> next = new HashMap<>();
    Map<Integer, Future<RecordMetadata>> firstOutcome = new HashMap<>();
    Map<Integer, Future<RecordMetadata>> lastOutcome = new HashMap<>();
    for (PartitionBatch batch : batches) {
      List<Long> offsets = offsets(events.get(batch));
      batch.fillPositions(offsets);
      next.put(batch.partition(), new long[] {offsets.isEmpty() ? -1 : offsets.getLast() + 1, -1});
      Future<RecordMetadata> last = null;
      for (OutcomeRecord outcome : batch.outcomesToAppend()) {
        last = producer.send(new ProducerRecord<>(topics.outcomes(), batch.partition(),
            outcome.getCommandIdBytes().toByteArray(), outcome.toByteArray()));
        if (!firstOutcome.containsKey(batch.partition())) {
          firstOutcome.put(batch.partition(), last);
        }
      }
      if (last != null) {
        lastOutcome.put(batch.partition(), last);
      }
    }
    return new Appended(next, firstOutcome, lastOutcome);
  }

  private static List<Long> offsets(List<Future<RecordMetadata>> sends) {
    List<Long> offsets = new ArrayList<>(sends.size());
    for (Future<RecordMetadata> send : sends) {
      try {
        offsets.add(send.get().offset());
      } catch (ExecutionException e) {
        throw e.getCause() instanceof KafkaException kafka ? kafka : new KafkaException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while appending", e);
      }
    }
    return offsets;
  }
}
