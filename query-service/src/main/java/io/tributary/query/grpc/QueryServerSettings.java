package io.tributary.query.grpc;

import io.tributary.core.annotation.Experimental;
import io.tributary.grpc.EndpointSettings;
import io.tributary.grpc.Tls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
    EndpointSettings endpoint, Duration defaultWait, Duration maxWait, int maxInboundMessageBytes) {

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

  /** @return the address to bind, e.g. {@code 0.0.0.0} for every interface or {@code 127.0.0.1} */
  public String host() {
    return endpoint.host();
  }

  /** @return the port to bind, 0 to take a free one */
  public int port() {
    return endpoint.port();
  }

  /** @return how long {@link QueryServer#close()} waits at most per stage */
  public Duration shutdownGrace() {
    return endpoint.shutdownGrace();
  }

  /** @return the certificate chain and private key to serve TLS with; empty for plaintext */
  public Optional<Tls> tls() {
    return endpoint.tls();
  }

  /** @return a copy that listens as {@code endpoint} says */
  public QueryServerSettings withEndpoint(EndpointSettings endpoint) {
    return new QueryServerSettings(endpoint, defaultWait, maxWait, maxInboundMessageBytes);
  }

  /** @return a copy that binds {@code host} */
  public QueryServerSettings withHost(String host) {
    return withEndpoint(endpoint.withHost(host));
  }

  /** @return a copy that binds {@code port}; 0 takes a free port */
  public QueryServerSettings withPort(int port) {
    return withEndpoint(endpoint.withPort(port));
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

  /** @return a copy whose {@link QueryServer#close()} waits at most this long per stage */
  public QueryServerSettings withShutdownGrace(Duration shutdownGrace) {
    return withEndpoint(endpoint.withShutdownGrace(shutdownGrace));
  }

  /**
   * @param certChain a PEM file with the server certificate first, then its intermediates
   * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
   */
  public QueryServerSettings withTls(Path certChain, Path privateKey) {
    return withEndpoint(endpoint.withTls(certChain, privateKey));
  }

  /** @return a copy that serves plaintext */
  public QueryServerSettings withoutTls() {
    return withEndpoint(endpoint.withoutTls());
  }

  static Duration notNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must be zero or positive, e.g. PT2S.");
    }
    return value;
  }
}
