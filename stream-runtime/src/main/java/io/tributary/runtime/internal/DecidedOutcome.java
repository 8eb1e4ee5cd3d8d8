package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one command as the task loop decided it. Its {@link OutcomeRecord} is built on
 * first use, on whichever thread needs it: the task loop for the outcomes it appends, the store's
 * writer for the dedupe entry, the replies thread for a caller who waits. Most outcomes are
 * acceptances that are neither appended nor waited for, and building them on the task loop was a
 * tenth of its time. The task loop sets the last event's offset before the outcome leaves it; the
 * record is the same whichever thread builds it first (each build uses builders of its own).
 */
public final class DecidedOutcome implements StoreBatch.EncodableOutcome {
  private final CommandKey commandId;
  private final boolean firstSeen;
  private final boolean append;
  /** For a duplicate: the first outcome of the command id; else null. */
  private final @Nullable Supplier<OutcomeRecord> first;
  /** For an acceptance with events: its fields; the position is set once the events have offsets. */
  private final @Nullable ByteString aggregateType;
  private final @Nullable ByteString aggregateIdUtf8;
  private final long version;
  private final int eventCount;
  private final int partition;
  private final int lastEventIndex;
  private long lastEventOffset = -1;
  private volatile @Nullable OutcomeRecord built;

  private DecidedOutcome(CommandKey commandId, boolean firstSeen, boolean append, @Nullable OutcomeRecord complete,
      @Nullable Supplier<OutcomeRecord> first, @Nullable ByteString aggregateType,
      @Nullable ByteString aggregateIdUtf8, long version, int eventCount, int partition, int lastEventIndex) {
    this.commandId = commandId;
    this.firstSeen = firstSeen;
    this.append = append;
    this.built = complete;
    this.first = first;
    this.aggregateType = aggregateType;
    this.aggregateIdUtf8 = aggregateIdUtf8;
    this.version = version;
    this.eventCount = eventCount;
    this.partition = partition;
    this.lastEventIndex = lastEventIndex;
  }

  /** A first outcome the events do not tell (a rejection, a failure, an acceptance without events): always appended. */
  static DecidedOutcome complete(CommandKey commandId, OutcomeRecord outcome) {
    return complete(commandId, outcome, true);
  }

  /**
   * An outcome the events do not tell, always appended, and the command id's dedupe entry only if
   * {@code firstSeen}.
   */
  static DecidedOutcome complete(CommandKey commandId, OutcomeRecord outcome, boolean firstSeen) {
    return new DecidedOutcome(commandId, firstSeen, true, outcome, null, null, null, 0, 0, -1, -1);
  }

  /** A resend's outcome: the first outcome of its command id, marked duplicate; always appended. */
  static DecidedOutcome duplicate(CommandKey commandId, Supplier<OutcomeRecord> first) {
    return new DecidedOutcome(commandId, false, true, null, first, null, null, 0, 0, -1, -1);
  }

  /**
   * An acceptance with events, whose last event is the batch's event {@code lastEventIndex}.
   *
   * @param append whether it goes to the outcomes topic: only when another instance waits for it
   */
  static DecidedOutcome accepted(CommandKey commandId, ByteString aggregateType,
      ByteString aggregateIdUtf8, long version, int eventCount, int partition, int lastEventIndex, boolean append) {
    return new DecidedOutcome(commandId, true, append, null, null, aggregateType, aggregateIdUtf8,
        version, eventCount, partition, lastEventIndex);
  }

  public String commandId() {
    return commandId.commandId();
  }

  /** @return the command id as the store keys it */
  CommandKey key() {
    return commandId;
  }

  /** @return whether this is the command id's first outcome (a dedupe entry), not a resend's */
  boolean firstSeen() {
    return firstSeen;
  }

  /** @return whether the outcome goes to the outcomes topic (ADR 0008) */
  boolean append() {
    return append;
  }

  /**
   * @return whether the record can be built now: it is not an acceptance with events, or its events
   *     have offsets ({@link #eventsAppended}); a duplicate, when its first outcome can be
   */
  boolean positioned() {
    if (first != null) {
      return !(first instanceof DecidedOutcome firstOutcome) || firstOutcome.positioned();
    }
    return lastEventIndex < 0 || lastEventOffset >= 0;
  }

  /** Takes the offset of the last event from the offsets of the batch's events, in order. */
  void eventsAppended(long[] eventOffsets) {
    if (lastEventIndex >= 0) {
      lastEventOffset = eventOffsets[lastEventIndex];
    }
  }

  /** @return the outcome record; for an acceptance with events, only after {@link #eventsAppended} */
  @Override
  public OutcomeRecord get() {
    OutcomeRecord record = built;
    if (record == null) {
      record = build();
      built = record;
    }
    return record;
  }

  /**
   * @return the bytes of {@link #get}'s record; an acceptance with events writes them from its fields
   *     without building the record, as the store writes its dedupe entry, which nothing else may need
   */
  @Override
  public byte[] encoded() {
    if (built == null && first == null) {
      checkPositioned();
      return OutcomeRecordEncoder.acceptance(commandId.utf8(), aggregateType, aggregateIdUtf8, version, eventCount,
          partition, lastEventOffset);
    }
    return get().toByteArray();
  }

  private void checkPositioned() {
    if (lastEventOffset < 0) {
      throw new IllegalStateException("The acceptance of " + commandId + " has no position yet: its events were not"
          + " appended.");
    }
  }

  private OutcomeRecord build() {
    if (first != null) {
      return first.get().toBuilder().setDuplicate(true).build();
    }
    checkPositioned();
    return WireFormat.acceptance(commandId.utf8(), aggregateType, aggregateIdUtf8, version, eventCount, partition,
        lastEventOffset);
  }
}
