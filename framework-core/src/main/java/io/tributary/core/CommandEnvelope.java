package io.tributary.core;

import io.tributary.core.annotation.Stable;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * A command with its metadata.
 *
 * @param commandId the idempotency key: a command resent with the same id gets the first outcome
 * @param aggregateType the registered aggregate type, e.g. {@code Post}
 * @param aggregateId the aggregate the command is for; it picks the partition
 * @param correlationId ties together everything one user action caused; defaults to the command id
 * @param causationId the id of the message that caused this command, or the command id itself
 * @param timestamp when the command was created, from an injected {@link Clock}
 * @param command the command message
 * @param <C> the command message type
 */
@Stable
public record CommandEnvelope<C>(
    String commandId,
    String aggregateType,
    String aggregateId,
    String correlationId,
    String causationId,
    Instant timestamp,
    C command) {

  /** @throws IllegalArgumentException naming the missing or oversized id */
  public CommandEnvelope {
    Ids.require(commandId, "command id");
    Ids.require(aggregateType, "aggregate type");
    Ids.require(aggregateId, "aggregate id");
    Ids.require(correlationId, "correlation id");
    Ids.require(causationId, "causation id");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(command, "command");
  }

  /** @return an envelope that starts a new correlation: both ids equal {@code commandId} */
  public static <C> CommandEnvelope<C> create(
      String commandId, String aggregateType, String aggregateId, C command, Clock clock) {
    return new CommandEnvelope<>(
        commandId, aggregateType, aggregateId, commandId, commandId, clock.instant(), command);
  }

  /** @return a copy that joins an existing correlation */
  public CommandEnvelope<C> withCorrelationId(String correlationId) {
    return new CommandEnvelope<>(
        commandId, aggregateType, aggregateId, correlationId, causationId, timestamp, command);
  }

  /** @return a copy caused by another message, e.g. the event a process manager reacted to */
  public CommandEnvelope<C> withCausationId(String causationId) {
    return new CommandEnvelope<>(
        commandId, aggregateType, aggregateId, correlationId, causationId, timestamp, command);
  }
}
