package io.tributary.runtime.internal;

import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Brings a partition's store up to the log: folds {@code events[p]} from the store's applied offset
 * into aggregate states, and {@code outcomes[p]} into dedupe entries, up to the last committed
 * record ({@code read_committed}). The acceptances that have no outcome record are told by their
 * commands' last events, which become dedupe entries too (ADR 0008). Writes in chunks so memory
 * stays bounded. Used by the task loop's thread only; the consumer is a group-less {@code
 * read_committed} consumer this class assigns.
 */
final class Replayer {
  private static final int CHUNK = 10_000;

  private final Consumer<byte[], byte[]> consumer;
  private final ServiceDefinition definition;
  private final Topics topics;
  private final CommittingTransactions committing;

  Replayer(Consumer<byte[], byte[]> consumer, ServiceDefinition definition, Topics topics,
      CommittingTransactions committing) {
    this.consumer = consumer;
    this.definition = definition;
    this.topics = topics;
    this.committing = committing;
  }

  /** What a replay folded: events into aggregate states, outcomes into dedupe entries. */
  record Replayed(long events, long outcomes) {}

  /**
   * Replays {@code events[p]}, then {@code outcomes[p]}, each up to its last stable offset, as {@link
   * CommittingTransactions} read it once it covered every transaction that committed: two round
   * trips for a store that is up to date and a partition with nothing open.
   *
   * @param progress told how many events each chunk folded, after the chunk is written
   * @throws PermanentException if an event cannot be decoded or {@code evolve} fails on it; the
   *     partition must stop, since events are never skipped
   * @throws io.tributary.core.error.TransientException if the last stable offsets did not cover the
   *     committed transactions in time: the partitions must not be replayed yet
   */
  Replayed replay(PartitionStore store, LongConsumer progress) {
    TopicPartition events = new TopicPartition(topics.events(), store.partition());
    TopicPartition outcomes = new TopicPartition(topics.outcomes(), store.partition());
    // after the partition was assigned and its committed offset read: the last stable offsets once they
    // cover every transaction that committed, so every transaction of a previous owner; nothing else
    // commits to the partition while it is restored
    Map<TopicPartition, Long> ends = committing.awaitCommitted(List.of(events, outcomes)).lastStable();
    return new Replayed(replayEvents(store, events, ends.get(events), progress),
        replayOutcomes(store, outcomes, ends.get(outcomes)));
  }

  private long replayEvents(PartitionStore store, TopicPartition partition, long end, LongConsumer progress) {
    Map<AggregateKey, StoredAggregate> states = new HashMap<>();
    Map<CommandKey, StoreBatch.PendingOutcome> acceptances = new HashMap<>();
    long[] replayed = {0};
    long[] reported = {0};
    long reached = readTo(partition, store.eventsOffset(), end, (record, next) -> {
      EventRecord event = WireFormat.parse(EventRecord.parser(), record.value(), where(record));
      AggregateKey key = new AggregateKey(event.getAggregateType(), event.getAggregateId());
      StoredAggregate current = states.get(key);
      if (current == null) {
        current = store.aggregate(key.aggregateType(), key.aggregateId()).orElse(null);
      }
      states.put(key, fold(event, current, where(record)));
      if (event.getCommandEvents() > 0) {
        OutcomeRecord acceptance = WireFormat.acceptance(event, record.partition(), record.offset());
        // decided when its events were: the time the task loop gave its dedupe entry
        CommandKey commandId = CommandKey.of(event.getCommandIdBytes());
        acceptances.put(commandId,
            new StoreBatch.PendingOutcome(commandId, event.getTimestampMicros() / 1000, () -> acceptance));
      }
      replayed[0]++;
      if (states.size() + acceptances.size() >= CHUNK) {
        flush(store, states, acceptances, next);
        progress.accept(replayed[0] - reported[0]);
        reported[0] = replayed[0];
      }
    });
    flush(store, states, acceptances, reached);
    progress.accept(replayed[0] - reported[0]);
    return replayed[0];
  }

  private long replayOutcomes(PartitionStore store, TopicPartition partition, long end) {
    StoreBatch[] batch = {new StoreBatch()};
    long[] replayed = {0};
    long reached = readTo(partition, store.outcomesOffset(), end, (record, next) -> {
      OutcomeRecord outcome = WireFormat.parse(OutcomeRecord.parser(), record.value(), where(record));
      if (!outcome.getDuplicate()) {
        // appended right after the decision: close to the time the task loop gave the dedupe entry
        batch[0].putOutcome(outcome.getCommandId(), record.timestamp(), outcome);
        replayed[0]++;
      }
      if (batch[0].outcomes().size() >= CHUNK) {
        store.apply(batch[0].outcomesOffset(next));
        batch[0] = new StoreBatch();
      }
    });
    store.apply(batch[0].outcomesOffset(reached));
    return replayed[0];
  }

  private interface RecordHandler {
    void handle(ConsumerRecord<byte[], byte[]> record, long nextOffset);
  }

  /** Reads {@code partition} from {@code from} to {@code end}, its last stable offset; returns the offset reached. */
  private long readTo(TopicPartition partition, long from, long end, RecordHandler handler) {
    if (from >= end) {
      return Math.max(from, end);
    }
    consumer.assign(List.of(partition));
    consumer.seek(partition, from);
    long position = from;
    while (position < end) {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        handler.handle(record, record.offset() + 1);
      }
      // transaction markers and aborted records take offsets too: the position is the truth
      position = consumer.position(partition);
    }
    consumer.assign(List.of());
    return position;
  }

  private StoredAggregate fold(EventRecord event, StoredAggregate current, String where) {
    AggregateType<?, ?, ?> type = definition.findAggregate(event.getAggregateType()).orElseThrow(() ->
        new PermanentException(where + " is an event of unknown aggregate type '" + event.getAggregateType()
            + "'. Register the aggregate, or restore the build that wrote it; the partition stops here."));
    return foldTyped(type, event, current, where);
  }

  private <S extends Message, E extends Message> StoredAggregate foldTyped(
      AggregateType<?, S, E> type, EventRecord event, StoredAggregate current, String where) {
    long version = current == null ? 0 : current.getVersion();
    if (event.getSequence() <= version) {
      // already folded into the store before the crash that this replay heals
      return current;
    }
    S state = current == null ? type.initialState() : type.stateCodec().decode(current.getState().toByteArray());
    S next;
    try {
      E decoded = WireFormat.decode(type.eventCodec(), event.getEvent(), where);
      next = type.aggregate().evolve(state, decoded);
    } catch (RuntimeException e) {
      throw new PermanentException("Replay stopped at " + where + " (" + type.name() + " " + event.getAggregateId()
          + ", sequence " + event.getSequence() + "): " + e + ". Events are never skipped: fix evolve or the event's"
          + " codec and restart; the partition stays stopped until then.", e);
    }
    return StoredAggregate.newBuilder()
        .setVersion(event.getSequence())
        .setState(UnsafeByteOperations.unsafeWrap(type.stateCodec().encode(next)))
        .build();
  }

  private static void flush(PartitionStore store, Map<AggregateKey, StoredAggregate> states,
      Map<CommandKey, StoreBatch.PendingOutcome> acceptances, long nextOffset) {
    StoreBatch batch = new StoreBatch();
    states.forEach((key, state) -> batch.putAggregate(key.aggregateType(), key.aggregateId(), state));
    // one per command id: the map's
    acceptances.values().forEach(acceptance ->
        batch.putOutcomeOfNewId(acceptance.commandId(), acceptance.decidedAtMillis(), acceptance.outcome()));
    store.apply(batch.eventsOffset(nextOffset));
    states.clear();
    acceptances.clear();
  }

  private static String where(ConsumerRecord<?, ?> record) {
    return record.topic() + "[" + record.partition() + "]@" + record.offset();
  }
}
