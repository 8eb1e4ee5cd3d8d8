package io.tributary.runtime.internal.store;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The changes one committed batch makes to one partition's store. Its values may be given as
 * suppliers, so that their encoding runs where they are written (the store's writer thread) rather
 * than where the batch is assembled; a supplier must return the same value from any thread. Not
 * thread-safe to change; a batch handed to a writer is no longer changed.
 */
public final class StoreBatch {
  /** The key of an aggregate in the store. */
  public record AggregateKey(String aggregateType, String aggregateId) {}

  /**
   * A command's first outcome and when it was decided (epoch milliseconds): its dedupe entry lives
   * until a batch expires the entries decided before a later time ({@link #expireOutcomesDecidedBefore}).
   */
  public record PendingOutcome(CommandKey commandId, long decidedAtMillis, Supplier<OutcomeRecord> outcome) {}

  /**
   * An outcome that gives its record's bytes without building the record: the store writes those
   * bytes rather than the record's {@code toByteArray}, which are the same.
   */
  public interface EncodableOutcome extends Supplier<OutcomeRecord> {
    /** @return the bytes of {@link #get}'s record */
    byte[] encoded();
  }

  private final Map<AggregateKey, Supplier<StoredAggregate>> aggregates;
  /** In the order put, one per command id. */
  private final List<PendingOutcome> outcomes;
  /** {@link #outcomes} by command id, built when first needed: a task loop's batch never needs it. */
  private @Nullable Map<CommandKey, PendingOutcome> outcomesById;
  private OptionalLong expireOutcomesBefore = OptionalLong.empty();
  private OptionalLong eventsOffset = OptionalLong.empty();
  private OptionalLong outcomesOffset = OptionalLong.empty();

  public StoreBatch() {
    this(16, 16);
  }

  /** A batch sized for about {@code aggregates} states and {@code outcomes} outcomes. */
  public StoreBatch(int aggregates, int outcomes) {
    this.aggregates = LinkedHashMap.newLinkedHashMap(aggregates);
    this.outcomes = new ArrayList<>(outcomes);
  }

  public StoreBatch putAggregate(String aggregateType, String aggregateId, StoredAggregate state) {
    return putAggregate(new AggregateKey(aggregateType, aggregateId), () -> state);
  }

  /** @param state the stored state, built when the batch is written (or read before that) */
  public StoreBatch putAggregate(AggregateKey key, Supplier<StoredAggregate> state) {
    aggregates.put(key, state);
    return this;
  }

  /**
   * Records the first outcome of a command id, decided at {@code decidedAtMillis} (epoch
   * milliseconds); a later put for the same id in this batch is kept out.
   */
  public StoreBatch putOutcome(String commandId, long decidedAtMillis, OutcomeRecord outcome) {
    return putOutcome(commandId, decidedAtMillis, () -> outcome);
  }

  /**
   * Records the first outcome of a command id, decided at {@code decidedAtMillis} (epoch
   * milliseconds) and built when the batch is written (or read before that); a later put for the
   * same id in this batch is kept out.
   */
  public StoreBatch putOutcome(String commandId, long decidedAtMillis, Supplier<OutcomeRecord> outcome) {
    return putOutcome(CommandKey.of(commandId), decidedAtMillis, outcome);
  }

  private StoreBatch putOutcome(CommandKey commandId, long decidedAtMillis, Supplier<OutcomeRecord> outcome) {
    if (outcome(commandId) == null) {
      putOutcomeOfNewId(commandId, decidedAtMillis, outcome);
    }
    return this;
  }

  /**
   * Records the first outcome of a command id that the caller knows has none in this batch yet, as
   * the task loop knows it of the ids its batch decided first: without the lookup {@link
   * #putOutcome(String, long, Supplier)} makes to keep a later put out.
   */
  public StoreBatch putOutcomeOfNewId(CommandKey commandId, long decidedAtMillis, Supplier<OutcomeRecord> outcome) {
    PendingOutcome pending = new PendingOutcome(commandId, decidedAtMillis, outcome);
    outcomes.add(pending);
    if (outcomesById != null) {
      outcomesById.put(commandId, pending);
    }
    return this;
  }

  /** @return the outcome this batch puts for {@code commandId}, or null if it puts none */
  public @Nullable PendingOutcome outcome(CommandKey commandId) {
    if (outcomesById == null) {
      outcomesById = HashMap.newHashMap(outcomes.size());
      for (PendingOutcome pending : outcomes) {
        outcomesById.putIfAbsent(pending.commandId(), pending);
      }
    }
    return outcomesById.get(commandId);
  }

  /**
   * Removes, with this batch, the dedupe entries of commands decided before {@code epochMillis}: a
   * command resent after that is decided again. The store may spread a large backlog over several
   * batches.
   */
  public StoreBatch expireOutcomesDecidedBefore(long epochMillis) {
    expireOutcomesBefore = OptionalLong.of(epochMillis);
    return this;
  }

  /** Sets the next offset of {@code events[p]} to replay. */
  public StoreBatch eventsOffset(long next) {
    eventsOffset = OptionalLong.of(next);
    return this;
  }

  /** Sets the next offset of {@code outcomes[p]} to replay. */
  public StoreBatch outcomesOffset(long next) {
    outcomesOffset = OptionalLong.of(next);
    return this;
  }

  public Map<AggregateKey, Supplier<StoredAggregate>> aggregates() {
    return aggregates;
  }

  /** @return the outcomes in the order put, one per command id */
  public List<PendingOutcome> outcomes() {
    return outcomes;
  }

  /** @return the decision time before which this batch expires dedupe entries, if it does */
  public OptionalLong expireOutcomesBefore() {
    return expireOutcomesBefore;
  }

  public OptionalLong nextEventsOffset() {
    return eventsOffset;
  }

  public OptionalLong nextOutcomesOffset() {
    return outcomesOffset;
  }

  public boolean isEmpty() {
    return aggregates.isEmpty() && outcomes.isEmpty() && eventsOffset.isEmpty() && outcomesOffset.isEmpty()
        && expireOutcomesBefore.isEmpty();
  }
}
