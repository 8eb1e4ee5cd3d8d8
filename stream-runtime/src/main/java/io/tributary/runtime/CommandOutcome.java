package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;
import java.util.Optional;

/**
 * What became of a command, known once its transaction committed. {@link #duplicate()} is {@code
 * true} when the command id had been seen before and this repeats the first outcome.
 */
@Evolving
public sealed interface CommandOutcome {
  /** @return the command id the outcome is for */
  String commandId();

  /** @return {@code true} if this repeats the stored outcome of an earlier command with the same id */
  boolean duplicate();

  /**
   * The command was accepted and its events appended.
   *
   * @param version the aggregate's version after the command (its last event's sequence)
   * @param eventCount how many events it appended; 0 for an accepted no-op
   * @param lastEvent where its last event sits, absent when it appended none
   */
  record Accepted(String commandId, long version, int eventCount, Optional<Position> lastEvent, boolean duplicate)
      implements CommandOutcome {}

  /** The aggregate said no: a stable code and a message. Nothing was appended. */
  record Rejected(String commandId, String code, String message, boolean duplicate) implements CommandOutcome {}

  /**
   * The command could not be decided: it did not decode, {@code decide} threw, or {@code evolve}
   * failed on one of its new events. Nothing was appended; resending it will fail again.
   */
  record Failed(String commandId, String error, boolean duplicate) implements CommandOutcome {}
}
