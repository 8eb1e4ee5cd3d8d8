package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;
import java.util.concurrent.CompletableFuture;

/**
 * Sends commands to their aggregate's partition and completes with their outcome once it is
 * committed. Thread-safe.
 */
@Evolving
public interface CommandGateway {
  /**
   * Checks the command, appends it to the commands topic and waits for its outcome.
   *
   * @return a future completed with the committed outcome; it never times out by itself, so the
   *     caller bounds the wait (on expiry the outcome is unknown and resending the same id is safe)
   * @throws InvalidCommandException at once, before anything is appended, if the command is invalid
   */
  CompletableFuture<CommandOutcome> send(SendCommand command);
}
