package io.tributary.query.grpc;

import io.tributary.core.annotation.Experimental;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link QueryServer} listens and waits. Immutable: each {@code withX} returns a copy.
 *
 * @param host the address to bind, e.g. {@code 0.0.0.0} for every interface or {@code 127.0.0.1}
 * @param port the port to bind, 0 to take a free one (read it from {@link QueryServer#port()})
 * @param defaultWait how long a call without {@code max_wait} waits for its position tokens
 * @param maxWait the longest {@code max_wait} a call may ask for; a longer one is INVALID_ARGUMENT
 * @param maxInboundMessageBytes the largest request the server reads
 * @param shutdownGrace how long {@link QueryServer#close()} lets calls in flight finish before it
 *     cancels them, and then how long it waits for the cancelled calls to end
 * @param tls the certificate chain and private key to serve TLS with; empty for plaintext
 */
@Experimental
public record QueryServerSettings(
    String host,
    int port,
    Duration defaultWait,
    Duration maxWait,
    int maxInboundMessageBytes,
    Duration shutdownGrace,
    Optional<Tls> tls) {

  /** @throws IllegalArgumentException naming the setting, if a value is out of range */
  public QueryServerSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tls, "tls");
    if (host.isBlank()) {
      throw new IllegalArgumentException(
          "QueryServerSettings.host is blank; use 0.0.0.0 for every interface or 127.0.0.1 for loopback only.");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "QueryServerSettings.port " + port + " is out of range; use 1-65535, or 0 to take a free port.");
    }
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
    if (shutdownGrace.isNegative() || shutdownGrace.isZero()) {
      throw new IllegalArgumentException("QueryServerSettings.shutdownGrace " + shutdownGrace + " must be positive, e.g. PT5S.");
    }
  }

  /**
   * @return every interface on port 50052, a 2 s default wait, a 30 s wait limit, 4 MiB requests,
   *     a 5 s shutdown grace and no TLS
   */
  public static QueryServerSettings defaults() {
    return new QueryServerSettings("0.0.0.0", 50052, Duration.ofSeconds(2), Duration.ofSeconds(30),
        4 * 1024 * 1024, Duration.ofSeconds(5), Optional.empty());
  }

  /** @return a copy that binds {@code host} */
  public QueryServerSettings withHost(String host) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /** @return a copy that binds {@code port}; 0 takes a free port */
  public QueryServerSettings withPort(int port) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /** @return a copy whose calls without {@code max_wait} wait {@code defaultWait} */
  public QueryServerSettings withDefaultWait(Duration defaultWait) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /** @return a copy that refuses waits longer than {@code maxWait} */
  public QueryServerSettings withMaxWait(Duration maxWait) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /** @return a copy that reads requests up to {@code maxInboundMessageBytes} */
  public QueryServerSettings withMaxInboundMessageBytes(int maxInboundMessageBytes) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /** @return a copy whose {@link QueryServer#close()} waits at most this long per stage */
  public QueryServerSettings withShutdownGrace(Duration shutdownGrace) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, tls);
  }

  /**
   * @param certChain a PEM file with the server certificate first, then its intermediates
   * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
   */
  public QueryServerSettings withTls(Path certChain, Path privateKey) {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace,
        Optional.of(new Tls(certChain, privateKey)));
  }

  /** @return a copy that serves plaintext */
  public QueryServerSettings withoutTls() {
    return new QueryServerSettings(host, port, defaultWait, maxWait, maxInboundMessageBytes, shutdownGrace, Optional.empty());
  }

  /**
   * Files to serve TLS with; read when the server starts.
   *
   * @param certChain a PEM file with the server certificate first, then its intermediates
   * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
   */
  public record Tls(Path certChain, Path privateKey) {
    public Tls {
      Objects.requireNonNull(certChain, "certChain");
      Objects.requireNonNull(privateKey, "privateKey");
    }
  }

  static Duration notNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " " + value + " must be zero or positive, e.g. PT2S.");
    }
    return value;
  }
}
