package io.tributary.grpc;

import io.tributary.core.annotation.Evolving;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a gRPC server listens, whether it serves TLS, and how long closing it waits. Immutable:
 * each {@code withX} returns a copy.
 *
 * @param host the address to bind, e.g. {@code 0.0.0.0} for every interface or {@code 127.0.0.1}
 * @param port the port to bind, 0 to take a free one (read it from {@link GrpcEndpoint#port()})
 * @param shutdownGrace how long {@link GrpcEndpoint#close()} lets calls in flight finish before it
 *     cancels them, and then how long it waits for the cancelled calls to end
 * @param tls the certificate chain and private key to serve TLS with; empty for plaintext
 */
@Evolving
public record EndpointSettings(String host, int port, Duration shutdownGrace, Optional<Tls> tls) {

  /** @throws IllegalArgumentException naming the setting, if a value is out of range */
  public EndpointSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(tls, "tls");
    if (host.isBlank()) {
      throw new IllegalArgumentException(
          "EndpointSettings.host is blank; use 0.0.0.0 for every interface or 127.0.0.1 for loopback only.");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "EndpointSettings.port " + port + " is out of range; use 1-65535, or 0 to take a free port.");
    }
    if (shutdownGrace.isNegative() || shutdownGrace.isZero()) {
      throw new IllegalArgumentException(
          "EndpointSettings.shutdownGrace " + shutdownGrace + " must be positive, e.g. PT5S.");
    }
  }

  /**
   * @param port the port to bind, 0 to take a free one
   * @return every interface on {@code port}, a 5 s shutdown grace and no TLS
   * @throws IllegalArgumentException if {@code port} is out of range
   */
  public static EndpointSettings onPort(int port) {
    return new EndpointSettings("0.0.0.0", port, Duration.ofSeconds(5), Optional.empty());
  }

  /** @return a copy that binds {@code host} */
  public EndpointSettings withHost(String host) {
    return new EndpointSettings(host, port, shutdownGrace, tls);
  }

  /** @return a copy that binds {@code port}; 0 takes a free port */
  public EndpointSettings withPort(int port) {
    return new EndpointSettings(host, port, shutdownGrace, tls);
  }

  /** @return a copy whose close waits at most this long per stage */
  public EndpointSettings withShutdownGrace(Duration shutdownGrace) {
    return new EndpointSettings(host, port, shutdownGrace, tls);
  }

  /**
   * @param certChain a PEM file with the server certificate first, then its intermediates
   * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
   * @return a copy that serves TLS with these files; they are read when the server starts
   */
  public EndpointSettings withTls(Path certChain, Path privateKey) {
    return new EndpointSettings(host, port, shutdownGrace, Optional.of(new Tls(certChain, privateKey)));
  }

  /** @return a copy that serves plaintext */
  public EndpointSettings withoutTls() {
    return new EndpointSettings(host, port, shutdownGrace, Optional.empty());
  }
}
