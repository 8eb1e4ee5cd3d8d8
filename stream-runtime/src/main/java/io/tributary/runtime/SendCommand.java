package io.tributary.runtime;

import io.tributary.core.annotation.Evolving;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A command as a client sends it: still bytes, checked by {@link CommandGateway#send}.
 *
 * @param commandId the idempotency key; resending the same id returns the first outcome
 * @param aggregateType the registered aggregate type, e.g. {@code Post}
 * @param payload the command message's protobuf bytes
 * @param correlationId the correlation to join, or {@code null} to start one
 */
@Evolving
public record SendCommand(String commandId, String aggregateType, byte[] payload, @Nullable String correlationId) {
  public SendCommand {
    Objects.requireNonNull(commandId, "commandId");
    Objects.requireNonNull(aggregateType, "aggregateType");
    Objects.requireNonNull(payload, "payload");
  }
}
