package io.tributary.core;

import io.tributary.core.annotation.Stable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An event with its metadata.
 *
 * @param aggregateType the aggregate type that accepted the event
 * @param aggregateId the aggregate the event belongs to
 * @param sequence the aggregate's version after this event: 1 for its first event, then 2, 3, ...
 * @param commandId the command that produced the event
 * @param correlationId the correlation id of that command
 * @param causationId the id of the message that caused the event: the command id
 * @param timestamp when the command was decided, from an injected {@link Clock}
 * @param event the event message
 * @param <E> the event message type
 */
@Stable
public record EventEnvelope<E>(
    String aggregateType,
    String aggregateId,
    long sequence,
    String commandId,
    String correlationId,
    String causationId,
    Instant timestamp,
    E event) {

  /** @throws IllegalArgumentException naming the missing id or a sequence below 1 */
  public EventEnvelope {
    Ids.require(aggregateType, "aggregate type");
    Ids.require(aggregateId, "aggregate id");
    Ids.require(commandId, "command id");
    Ids.require(correlationId, "correlation id");
    Ids.require(causationId, "causation id");
    if (sequence < 1) {
      throw new IllegalArgumentException("Event sequence is " + sequence + "; sequences start at 1.");
    }
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(event, "event");
  }

  /** @return a stable id for this event: {@code aggregateType/aggregateId/sequence} */
  public String eventId() {
    return aggregateType + "/" + aggregateId + "/" + sequence;
  }

  /**
   * Wraps the events a command produced.
   *
   * @param version the aggregate's version before the command (0 for a new aggregate)
   * @return one envelope per event, with sequences {@code version + 1, version + 2, ...}
   */
  public static <E> List<EventEnvelope<E>> causedBy(
      CommandEnvelope<?> command, long version, List<E> events, Clock clock) {
    Instant now = clock.instant();
    List<EventEnvelope<E>> envelopes = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      envelopes.add(new EventEnvelope<>(
          command.aggregateType(), command.aggregateId(), version + 1 + i, command.commandId(),
          command.correlationId(), command.commandId(), now, events.get(i)));
    }
    return List.copyOf(envelopes);
  }
}
