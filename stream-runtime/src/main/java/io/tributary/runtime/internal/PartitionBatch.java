package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.core.Decision;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.PartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The commands of one partition decided in one batch: the events and outcomes to append in the
 * batch's transaction, and the state changes to write to the partition's store after it commits.
 * Every command gets an outcome (the reply and the dedupe entry), but an acceptance with events is
 * appended as an outcome record only when another instance waits for it: otherwise its last event
 * tells it (ADR 0008).
 * Nothing here touches Kafka or the store's contents until {@link #storeChanges} is called after the
 * commit, and the partition's {@link StateCache} gets this batch's states only from {@link
 * #cacheCommittedStates}, so an aborted batch is simply dropped.
 *
 * <p>A batch may be decided while the partition's previous batch is in flight (sent, its transaction
 * not ended): it reads that batch's states and outcomes before the cache and the store, as if it had
 * committed, and is dropped if it aborts (ADR 0003, "Per batch"). Decided on the task loop's thread;
 * the committer thread appends it, and reads its states and outcomes only through {@link
 * #fillPositions} and the records it sends; once it committed, the store's writer thread reads them
 * ({@link #storeChanges}) while the loop reads them too ({@link #pendingChanges}), and none changes
 * any more.
 */
final class PartitionBatch {
  /**
   * The ids of a command: the command id as the store keys it, the aggregate id as text for lookups,
   * and both as UTF-8 for the records. A command holds its text as UTF-8 ({@link IncomingCommand}), so
   * the ids are copied into the events as they came, and only the aggregate id is decoded.
   */
  private record Ids(CommandKey key, ByteString commandIdUtf8, String aggregateId, ByteString aggregateIdUtf8,
      ByteString aggregateTypeUtf8) {
    static Ids of(IncomingCommand command) {
      return new Ids(CommandKey.of(command.commandId()), command.commandId(), command.aggregateId().toStringUtf8(),
          command.aggregateId(), command.aggregateType());
    }

    /** @return the command id as text, for a message */
    String commandId() {
      return key.commandId();
    }
  }

  /**
   * A registered aggregate type and its names as UTF-8, encoded once per batch rather than once per
   * command.
   */
  private record Typed(AggregateType<?, ?, ?> type, ByteString aggregateType, ByteString commandType,
      ByteString eventType) {
    static Typed of(AggregateType<?, ?, ?> type) {
      return new Typed(type, ByteString.copyFromUtf8(type.name()), ByteString.copyFromUtf8(
          type.commandCodec().typeName()), ByteString.copyFromUtf8(type.eventCodec().typeName()));
    }
  }

  /**
   * An aggregate's state and its version after it, and the partition's state cache entry the state
   * was read from or put in, if any: the commit updates that entry in place ({@link StateCache#update}).
   */
  private static final class Loaded {
    private Message state;
    private long version;
    private final StateCache.@Nullable Entry cached;
    /** Whether the batch's states hold this: changed in place by the batch's next commands, never after. */
    private boolean inBatch;

    Loaded(Message state, long version, StateCache.@Nullable Entry cached) {
      this.state = state;
      this.version = version;
      this.cached = cached;
    }

    Message state() {
      return state;
    }

    long version() {
      return version;
    }

    StateCache.@Nullable Entry cached() {
      return cached;
    }
  }

  private final int partition;
  private final PartitionStore store;
  private final StateCache cache;
  private final ServiceDefinition definition;
  private final Partitioner partitioner;
  private final Clock clock;
  /** This instance's id as UTF-8, as a command record's {@code reply_to} holds it. */
  private final ByteString instanceId;
  private final Map<AggregateKey, Loaded> states;
  /** The registered aggregate types this batch's commands named, by their names as UTF-8. */
  private final Map<ByteString, Typed> types = new HashMap<>();
  /** The type the last command named, asked before {@link #types}: most batches hold commands of one type. */
  private @Nullable Typed lastType;
  private final Map<CommandKey, DecidedOutcome> seenInBatch;
  /** The ids of {@link #seenInBatch}, which answer most lookups of an id the batch did not see. */
  private final SeenIds seenIds;
  private final List<EncodedEvent> events;
  private final List<DecidedOutcome> outcomes;
  private final List<CommandRecord> handed = new ArrayList<>();
  /** When this batch decides, for its dedupe entries' expiry (epoch milliseconds). */
  private final long decidedAtMillis;
  /** The partition's batch in flight when this one was started, until its changes are in the store and cache. */
  private @Nullable PartitionBatch inFlight;
  private long firstCommandOffset = -1;
  private long nextCommandOffset = -1;
  /** The largest record (value and key) this batch appends. */
  private final RecordSizeLimit limit;

  /**
   * @param cache the partition's committed states, read before the store; see {@link #cacheCommittedStates}
   * @param inFlight the partition's batch whose transaction has not ended yet, read before the cache
   * @param instanceId this instance's id as UTF-8: the commands its own gateway appended are answered here
   * @param expectedCommands how many commands the batch will likely decide, to size its tables
   * @param limit the largest event or outcome record, value and key, Kafka will take: a command whose
   *     event is larger fails, and a longer rejection or failure text is cut
   */
  PartitionBatch(int partition, PartitionStore store, StateCache cache, @Nullable PartitionBatch inFlight,
      ServiceDefinition definition, Partitioner partitioner, Clock clock, ByteString instanceId, int expectedCommands,
      RecordSizeLimit limit) {
    this.limit = limit;
    this.states = HashMap.newHashMap(expectedCommands);
    this.seenInBatch = HashMap.newHashMap(expectedCommands);
    this.seenIds = new SeenIds(expectedCommands);
    this.events = new ArrayList<>(expectedCommands);
    this.outcomes = new ArrayList<>(expectedCommands);
    this.instanceId = instanceId;
    this.partition = partition;
    this.store = store;
    this.cache = cache;
    this.inFlight = inFlight;
    this.definition = definition;
    this.partitioner = partitioner;
    this.clock = clock;
    this.decidedAtMillis = clock.millis();
  }

  int partition() {
    return partition;
  }

  /** @return the batch's events, encoded, in the order they are appended */
  List<EncodedEvent> events() {
    return events;
  }

  /** @return how many command records this batch decided, one outcome each */
  int commandCount() {
    return outcomes.size();
  }

  long firstCommandOffset() {
    return firstCommandOffset;
  }

  /**
   * @return the offset after the last command record this batch read, or the consumer's position
   *     given to {@link #consumedUpTo} if it read none
   */
  long nextCommandOffset() {
    return nextCommandOffset;
  }

  /**
   * Sets the offset to commit for a batch of handed commands only: the consumer's position in the
   * partition, which commits nothing new but fences a stale owner like any offset (ADR 0009).
   */
  void consumedUpTo(long position) {
    if (nextCommandOffset < 0) {
      nextCommandOffset = position;
    }
  }

  /** @return whether this batch read any command record from the topic */
  boolean readFromTopic() {
    return firstCommandOffset >= 0;
  }

  /**
   * @return the handed commands this batch decided, in order: if the batch is not committed, they
   *     are decided again or appended to the topic
   */
  List<CommandRecord> handed() {
    return handed;
  }

  /** Decides one command record. Every record gets an outcome; none is skipped. */
  void decide(long offset, byte @Nullable [] value) {
    if (firstCommandOffset < 0) {
      firstCommandOffset = offset;
    }
    nextCommandOffset = offset + 1;
    IncomingCommand command;
    try {
      command = IncomingCommand.parse(value == null ? new byte[0] : value);
    } catch (InvalidProtocolBufferException e) {
      String id = "offset-" + partition + "-" + offset;
      CommandKey key = CommandKey.of(id);
      OutcomeRecord.Builder failed = OutcomeRecord.newBuilder().setCommandId(id).setFailed(OutcomeRecord.Failed
          .newBuilder().setError(WireFormat.unparseable(recordAt(offset), value == null ? 0 : value.length, e)
              + " It is answered as failed under the id " + id + " and the partition goes on; produce commands to"
              + " this topic as the gateway does (a CommandRecord message, keyed by aggregate id)."));
      // a command of this batch may carry that id itself: the store keeps its outcome, the first
      record(DecidedOutcome.complete(key, limit.fitted(failed), seen(key) == null));
      return;
    }
    decide(command, offset);
  }

  /** @return where a command came from, for an error: a record of the commands topic, or the gateway (-1) */
  private String where(Ids ids, long offset) {
    return offset < 0 ? "command " + ids.commandId() + " handed over for partition " + partition
        : recordAt(offset);
  }

  private String recordAt(long offset) {
    return "command record at offset " + offset + " of partition " + partition;
  }

  /**
   * Decides a command the gateway of this instance handed over without the commands topic (ADR 0009).
   * Every one gets an outcome; none is skipped.
   */
  void decideHanded(CommandRecord command) {
    handed.add(command);
    decide(IncomingCommand.of(command), -1);
  }

  /** @param offset the command's offset in the commands topic, or -1 if the gateway handed it over */
  private void decide(IncomingCommand command, long offset) {
    Ids ids = Ids.of(command);
    Supplier<OutcomeRecord> first = firstOutcome(ids.key());
    if (first != null) {
      outcomes.add(DecidedOutcome.duplicate(ids.key(), first));
      return;
    }
    Typed type = lastType != null && lastType.aggregateType().equals(command.aggregateType()) ? lastType
        : types.get(command.aggregateType());
    if (type == null) {
      String name = command.aggregateType().toStringUtf8();
      Optional<AggregateType<?, ?, ?>> registered = definition.findAggregate(name);
      if (registered.isEmpty()) {
        fail(ids, "Unknown aggregate type '" + name + "' in " + where(ids, offset) + "; known types: "
            + definition.aggregates().stream().map(AggregateType::name).toList());
        return;
      }
      type = Typed.of(registered.get());
      types.put(type.aggregateType(), type);
    }
    lastType = type;
    if (partitioner.partitionFor(ids.aggregateId()) != partition) {
      fail(ids, "Command " + ids.commandId() + " for aggregate " + ids.aggregateId()
          + " arrived on partition " + partition + " but belongs on " + partitioner.partitionFor(ids.aggregateId())
          + "; produce commands keyed by aggregate id with Kafka's default partitioner.");
      return;
    }
    decideTyped(type.type(), type, command, ids);
  }

  /** @return whether an instance other than this one waits for the command's outcome */
  private boolean awaitedElsewhere(IncomingCommand command) {
    ByteString replyTo = command.replyTo();
    return !replyTo.isEmpty() && !replyTo.equals(instanceId);
  }

  private <C extends Message, S extends Message, E extends Message> void decideTyped(
      AggregateType<C, S, E> type, Typed typeNames, IncomingCommand command, Ids ids) {
    AggregateKey key = new AggregateKey(type.name(), ids.aggregateId());
    C decoded;
    S state;
    long version;
    Loaded loaded;
    Decision<E> decision;
    try {
      decoded = WireFormat.decode(type.commandCodec(), typeNames.commandType(), command.commandType(),
          command.commandData(), () -> "command " + ids.commandId());
      loaded = load(type, key);
      @SuppressWarnings("unchecked")
      S current = (S) loaded.state();
      state = current;
      version = loaded.version();
      decision = type.aggregate().decide(decoded, state);
    } catch (RuntimeException e) {
      fail(ids, "Command " + ids.commandId() + " could not be decided: " + e);
      return;
    }
    if (decision instanceof Decision.Rejected<E> rejected) {
      record(ids.key(), outcome(ids).setRejected(OutcomeRecord.Rejected.newBuilder()
          .setCode(rejected.rejection().code()).setMessage(rejected.rejection().message())));
      return;
    }
    List<E> accepted = ((Decision.Accepted<E>) decision).events();
    List<EncodedEvent> produced = new ArrayList<>(accepted.size());
    byte[] recordKey = null; // the aggregate id as the events' Kafka key, shared by the command's events
    S next = state;
    ByteString correlationId = command.correlationId();
    try {
      for (E event : accepted) {
        next = type.aggregate().evolve(next, event);
        // the last event tells the acceptance (ADR 0008)
        int commandEvents = produced.size() == accepted.size() - 1 ? accepted.size() : 0;
        byte[] record = EventRecordEncoder.encode(typeNames.aggregateType(), ids.aggregateIdUtf8(),
            version + produced.size() + 1, ids.commandIdUtf8(), correlationId, ids.commandIdUtf8(),
            WireFormat.micros(clock.instant()), typeNames.eventType(), type.eventCodec().encode(event), commandEvents);
        // Kafka refuses a larger record and aborts the transaction; decided again, it would abort forever
        int bytes = RecordSizeLimit.size(record.length, ids.aggregateIdUtf8()); // the event's key: its aggregate id
        if (bytes > limit.maxRecordBytes()) {
          fail(ids, "Command " + ids.commandId() + " was accepted but its event "
              + (produced.size() + 1) + " of " + accepted.size() + " (" + type.eventCodec().typeName() + ") is "
              + bytes + " bytes with its key, " + limit.describe() + "; nothing of the command was appended. Emit"
              + " smaller events, or raise max.request.size in the Kafka properties (and the broker's"
              + " message.max.bytes / the topic's max.message.bytes).");
          return;
        }
        if (recordKey == null) {
          recordKey = ids.aggregateIdUtf8().toByteArray();
        }
        produced.add(new EncodedEvent(recordKey, record));
      }
    } catch (RuntimeException e) {
      // a new event the aggregate cannot apply must not reach the log, where replay would stop on it
      fail(ids, "Command " + ids.commandId() + " was accepted but evolve failed on its events: " + e);
      return;
    }
    long newVersion = version + produced.size();
    if (!produced.isEmpty()) {
      if (!loaded.inBatch) {
        loaded.inBatch = true;
        states.put(key, loaded);
      }
      loaded.state = next;
      loaded.version = newVersion;
      events.addAll(produced);
    }
    if (produced.isEmpty()) {
      record(ids.key(), outcome(ids).setAccepted(OutcomeRecord.Accepted.newBuilder().setVersion(newVersion)));
    } else {
      record(DecidedOutcome.accepted(ids.key(), typeNames.aggregateType(),
          ids.aggregateIdUtf8(), newVersion, produced.size(), partition, events.size() - 1, awaitedElsewhere(command)));
    }
  }

  private <S extends Message> Loaded load(AggregateType<?, S, ?> type, AggregateKey key) {
    Loaded inBatch = states.get(key);
    if (inBatch != null) {
      return inBatch;
    }
    Loaded sent = inFlight == null ? null : inFlight.states.get(key);
    StateCache.Entry cached = sent == null ? cache.entry(key) : null;
    Loaded loaded;
    if (sent != null) {
      loaded = new Loaded(sent.state(), sent.version(), sent.cached()); // that batch writes it once it commits
    } else if (cached != null) {
      loaded = new Loaded(cached.state(), cached.version(), cached);
    } else {
      Optional<StoredAggregate> stored = store.aggregate(key.aggregateType(), key.aggregateId());
      if (stored.isPresent()) {
        Message state = type.stateCodec().decode(stored.get().getState().toByteArray());
        long version = stored.get().getVersion();
        loaded = new Loaded(state, version, cache.put(key, state, version)); // committed: the store holds it
      } else {
        loaded = new Loaded(type.initialState(), 0, null);
      }
    }
    // kept in the batch only once a command changes it (in place from then on): an unchanged state is
    // read again from the batch in flight, the cache or the store, all of which still hold it
    return loaded;
  }

  /** @return the first outcome of {@code commandId}, or null if it was not decided before */
  private @Nullable Supplier<OutcomeRecord> firstOutcome(CommandKey commandId) {
    DecidedOutcome inBatch = seen(commandId);
    if (inBatch == null && inFlight != null) {
      inBatch = inFlight.seen(commandId);
    }
    if (inBatch != null) {
      // its position is set after the events' flush; the duplicate is built after that too
      return inBatch;
    }
    Optional<OutcomeRecord> stored = store.outcome(commandId);
    return stored.isPresent() ? stored::get : null;
  }

  /**
   * @return a new outcome of {@code command}, built only for what the events do not tell: most
   *     commands are accepted with events and need none
   */
  private static OutcomeRecord.Builder outcome(Ids ids) {
    return OutcomeRecord.newBuilder()
        .setCommandIdBytes(ids.commandIdUtf8())
        .setAggregateTypeBytes(ids.aggregateTypeUtf8())
        .setAggregateIdBytes(ids.aggregateIdUtf8());
  }

  private void fail(Ids ids, @Nullable String error) {
    record(ids.key(), outcome(ids).setFailed(OutcomeRecord.Failed.newBuilder()
        .setError(error == null ? "unknown error" : error)));
  }

  /** Records an outcome the events do not tell: a rejection, a failure, an acceptance without events. */
  private void record(CommandKey commandId, OutcomeRecord.Builder outcome) {
    record(DecidedOutcome.complete(commandId, limit.fitted(outcome)));
  }

  /**
   * Adds an outcome. Of the outcomes marked first seen, the batch holds one per command id: a command
   * is decided only if its id was not seen (else it is a duplicate), and an unparseable record's
   * outcome is marked so only if its made-up id was not.
   */
  private void record(DecidedOutcome outcome) {
    outcomes.add(outcome);
    if (seenInBatch.putIfAbsent(outcome.key(), outcome) == null) { // the first, as the store keeps it
      seenIds.add(outcome.key().hash());
    }
  }

  /** @return the first outcome this batch decided for {@code commandId}, or null */
  private @Nullable DecidedOutcome seen(CommandKey commandId) {
    return seenIds.mightContain(commandId.hash()) ? seenInBatch.get(commandId) : null;
  }

  /** @return every command's outcome in order: the replies and the dedupe entries */
  List<DecidedOutcome> decidedOutcomes() {
    return outcomes;
  }

  /**
   * Sets the position of each acceptance's last event, now that the events have offsets; the
   * acceptances' records can be built from then on ({@link DecidedOutcome#positioned}).
   */
  void fillPositions(long[] eventOffsets) {
    for (DecidedOutcome outcome : outcomes) {
      outcome.eventsAppended(eventOffsets);
    }
  }

  /**
   * @return the store changes of this batch, to apply after its transaction committed
   * @param nextEventsOffset the offset after this batch's last event, or -1 if it appended none
   * @param nextOutcomesOffset the offset after this batch's last outcome
   * @param dedupeRetention how long a command's dedupe entry is kept: the batch expires those of
   *     commands decided longer ago than this before it
   */
  StoreBatch storeChanges(long nextEventsOffset, long nextOutcomesOffset, Duration dedupeRetention) {
    StoreBatch batch = new StoreBatch(states.size(), outcomes.size())
        .expireOutcomesDecidedBefore(decidedAtMillis - dedupeRetention.toMillis());
    states.forEach((key, loaded) -> batch.putAggregate(key, () -> stored(key, loaded)));
    for (DecidedOutcome outcome : outcomes) {
      if (outcome.firstSeen()) {
        batch.putOutcomeOfNewId(outcome.key(), decidedAtMillis, outcome); // one per id: see record
      }
    }
    if (nextEventsOffset >= 0) {
      batch.eventsOffset(nextEventsOffset);
    }
    if (nextOutcomesOffset >= 0) {
      batch.outcomesOffset(nextOutcomesOffset);
    }
    return batch;
  }

  /**
   * @return this committed batch's store changes: {@link #storeChanges} with these arguments, built
   *     where they are written, and its states and first outcomes, which the partition's store
   *     answers reads from until then
   */
  PipelinedStore.Pending pendingChanges(long nextEventsOffset, long nextOutcomesOffset, Duration dedupeRetention) {
    OptionalLong events = nextEventsOffset >= 0 ? OptionalLong.of(nextEventsOffset) : OptionalLong.empty();
    OptionalLong outcomesNext = nextOutcomesOffset >= 0 ? OptionalLong.of(nextOutcomesOffset) : OptionalLong.empty();
    return new PipelinedStore.Pending() {
      @Override
      public StoreBatch changes() {
        return storeChanges(nextEventsOffset, nextOutcomesOffset, dedupeRetention);
      }

      @Override
      public @Nullable Supplier<StoredAggregate> aggregate(AggregateKey key) {
        Loaded loaded = states.get(key);
        return loaded == null ? null : () -> stored(key, loaded);
      }

      @Override
      public @Nullable Supplier<OutcomeRecord> outcome(CommandKey commandId) {
        return seen(commandId);
      }

      @Override
      public OptionalLong nextEventsOffset() {
        return events;
      }

      @Override
      public OptionalLong nextOutcomesOffset() {
        return outcomesNext;
      }
    };
  }

  /** @return the state to store for {@code key}; encoded where it is needed, mostly the store's writer thread */
  private StoredAggregate stored(AggregateKey key, Loaded loaded) {
    AggregateType<?, ?, ?> type = definition.aggregate(key.aggregateType());
    return StoredAggregate.newBuilder()
        .setVersion(loaded.version()).setState(UnsafeByteOperations.unsafeWrap(encodeState(type, loaded.state()))).build();
  }

  /**
   * Stops reading the batch that was in flight when this one started: its transaction committed and
   * its changes are in the partition's store and state cache now.
   */
  void inFlightApplied() {
    inFlight = null;
  }

  /**
   * Keeps the states this batch changed in the partition's state cache. Call it only once the batch's
   * transaction committed, beside {@link #storeChanges}: an aborted batch's states must never be read.
   */
  void cacheCommittedStates() {
    states.forEach((key, loaded) -> {
      if (loaded.cached() != null) {
        cache.update(loaded.cached(), key, loaded.state(), loaded.version());
      } else {
        cache.put(key, loaded.state(), loaded.version());
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static <S extends Message> byte[] encodeState(AggregateType<?, S, ?> type, Message state) {
    return type.stateCodec().encode((S) state);
  }
}
