package io.tributary.query.grpc;

import io.tributary.core.annotation.Experimental;
import io.tributary.grpc.EndpointSettings;
import io.tributary.grpc.ListensOn;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link QueryServer} listens and waits. Immutable: each {@code withX} returns a copy.
 *
 * @param endpoint where to listen, TLS, and how long {@link QueryServer#close()} lets calls in
 *     flight finish before it cancels them (and then waits for the cancelled calls to end); its
 *     port may be 0 to take a free one (read it from {@link QueryServer#port()})
 * @param defaultWait how long a call without {@code max_wait} waits for its position tokens
 * @param maxWait the longest {@code max_wait} a call may ask for; a longer one is INVALID_ARGUMENT
 * @param maxInboundMessageBytes the largest request the server reads
 */
@Experimental
public record QueryServerSettings(
    EndpointSettings endpoint, Duration defaultWait, Duration maxWait, int maxInboundMessageBytes)
    implements ListensOn<QueryServerSettings> {

  /** @throws IllegalArgumentException naming the setting, if a value is out of range */
  public QueryServerSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    notNegative("defaultWait", defaultWait);
    notNegative("maxWait", maxWait);
    if (defaultWait.compareTo(maxWait) > 0) {
      throw new IllegalArgumentException("QueryServerSettings.defaultWait " + defaultWait + " exceeds maxWait "
          + maxWait + "; the default must be within the limit.");
    }
    if (maxInboundMessageBytes <= 0) {
      throw new IllegalArgumentException(
          "QueryServerSettings.maxInboundMessageBytes " + maxInboundMessageBytes + " must be positive, e.g. 4 MiB.");
    }
  }

  /**
   * @return every interface on port 50052, a 2 s default wait, a 30 s wait limit, 4 MiB requests,
   *     a 5 s shutdown grace and no TLS
   */
  public static QueryServerSettings defaults() {
    return new QueryServerSettings(
        EndpointSettings.onPort(50052), Duration.ofSeconds(2), Duration.ofSeconds(30), 4 * 1024 * 1024);
  }

  @Override
  public QueryServerSettings withEndpoint(EndpointSettings endpoint) {
    return new QueryServerSettings(endpoint, defaultWait, maxWait, maxInboundMessageBytes);
  }

  /** @return a copy whose calls without {@code max_wait} wait {@code defaultWait} */
  public QueryServerSettings withDefaultWait(Duration defaultWait) {
    return new QueryServerSettings(endpoint, defaultWait, maxWait, maxInboundMessageBytes);
  }

  /** @return a copy that refuses waits longer than {@code maxWait} */
  public QueryServerSettings withMaxWait(Duration maxWait) {
    return new QueryServerSettings(endpoint, defaultWait, maxWait, maxInboundMessageBytes);
  }

  /** @return a copy that reads requests up to {@code maxInboundMessageBytes} */
  public QueryServerSettings withMaxInboundMessageBytes(int maxInboundMessageBytes) {
    return new QueryServerSettings(endpoint, defaultWait, maxWait, maxInboundMessageBytes);
  }

  static Duration notNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must be zero or positive, e.g. PT2S.");
    }
    return value;
  }
}
