package io.tributary.runtime.grpc;

import io.tributary.core.annotation.Evolving;
import io.tributary.grpc.EndpointSettings;
import io.tributary.grpc.ListensOn;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CommandServer} listens and waits. Immutable: each {@code withX} returns a copy.
 *
 * @param endpoint where to listen, TLS, and how long {@link CommandServer#close()} lets calls in
 *     flight finish before it cancels them (and then waits for the cancelled calls to end); its
 *     port may be 0 to take a free one (read it from {@link CommandServer#port()})
 * @param maxCommandBytes the largest command payload the gateway accepts; must equal the gateway's
 *     own limit. The server reads requests up to this plus {@link #ENVELOPE_HEADROOM_BYTES}, so an
 *     oversized payload reaches the gateway and is answered INVALID_ARGUMENT naming the limit; a
 *     request larger still is refused unread with RESOURCE_EXHAUSTED.
 * @param defaultTimeout how long a call without a deadline waits for its outcome
 * @param deadlineMargin how long before a call's deadline the server answers DEADLINE_EXCEEDED
 *     itself, so its reply (saying a resend is safe) beats the client's own timer; at most half the
 *     time left is used
 */
@Evolving
public record CommandServerSettings(
    EndpointSettings endpoint, int maxCommandBytes, Duration defaultTimeout, Duration deadlineMargin)
    implements ListensOn<CommandServerSettings> {

  /** Room for the request's other fields and framing on top of the payload limit: 64 KiB. */
  public static final int ENVELOPE_HEADROOM_BYTES = 64 * 1024;

  /**
   * @throws IllegalArgumentException naming the setting, if a value is out of range
   */
  public CommandServerSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    if (maxCommandBytes <= 0) {
      throw new IllegalArgumentException(
          "CommandServerSettings.maxCommandBytes " + maxCommandBytes
              + " must be positive; set it to the command gateway's payload limit.");
    }
    positive("defaultTimeout", defaultTimeout);
    notNegative("deadlineMargin", deadlineMargin);
  }

  /**
   * @return every interface on port 50051, 1 MiB commands, a 10 s default timeout, a 100 ms
   *     deadline margin, a 5 s shutdown grace and no TLS
   */
  public static CommandServerSettings defaults() {
    return new CommandServerSettings(
        EndpointSettings.onPort(50051), 1024 * 1024, Duration.ofSeconds(10), Duration.ofMillis(100));
  }

  /** @return the largest request the server reads: the payload limit plus the envelope headroom */
  public int maxInboundMessageBytes() {
    return (int) Math.min(Integer.MAX_VALUE, (long) maxCommandBytes + ENVELOPE_HEADROOM_BYTES);
  }

  @Override
  public CommandServerSettings withEndpoint(EndpointSettings endpoint) {
    return new CommandServerSettings(endpoint, maxCommandBytes, defaultTimeout, deadlineMargin);
  }

  /** @return a copy with this payload limit; keep it equal to the command gateway's */
  public CommandServerSettings withMaxCommandBytes(int maxCommandBytes) {
    return new CommandServerSettings(endpoint, maxCommandBytes, defaultTimeout, deadlineMargin);
  }

  /** @return a copy whose calls without a deadline wait {@code defaultTimeout} */
  public CommandServerSettings withDefaultTimeout(Duration defaultTimeout) {
    return new CommandServerSettings(endpoint, maxCommandBytes, defaultTimeout, deadlineMargin);
  }

  /** @return a copy that answers this long before a call's deadline */
  public CommandServerSettings withDeadlineMargin(Duration deadlineMargin) {
    return new CommandServerSettings(endpoint, maxCommandBytes, defaultTimeout, deadlineMargin);
  }

  static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " " + value + " must be positive, e.g. PT10S.");
    }
    return value;
  }

  static Duration notNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must be zero or positive, e.g. PT0.1S.");
    }
    return value;
  }
}
