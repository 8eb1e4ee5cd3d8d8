package io.tributary.grpc;

import io.tributary.core.annotation.Evolving;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The settings of a server that listens on an {@link EndpointSettings}: its endpoint's values and
 * copies read and changed through it, so every server is configured the same way
 * ({@code settings.withHost("127.0.0.1").withPort(0).withTls(cert, key)}).
 *
 * @param <S> the settings type, whose copies the {@code withX} methods return
 */
@Evolving
public interface ListensOn<S extends ListensOn<S>> {
  /** @return where to listen, TLS and the shutdown grace */
  EndpointSettings endpoint();

  /** @return a copy that listens as {@code endpoint} says */
  S withEndpoint(EndpointSettings endpoint);

  /** @return the address to bind, e.g. {@code 0.0.0.0} for every interface or {@code 127.0.0.1} */
  default String host() {
    return endpoint().host();
  }

  /** @return the port to bind, 0 to take a free one */
  default int port() {
    return endpoint().port();
  }

  /** @return how long closing the server waits at most per stage */
  default Duration shutdownGrace() {
    return endpoint().shutdownGrace();
  }

  /** @return the certificate chain and private key to serve TLS with; empty for plaintext */
  default Optional<Tls> tls() {
    return endpoint().tls();
  }

  /** @return a copy that binds {@code host} */
  default S withHost(String host) {
    return withEndpoint(endpoint().withHost(host));
  }

  /** @return a copy that binds {@code port}; 0 takes a free port */
  default S withPort(int port) {
    return withEndpoint(endpoint().withPort(port));
  }

  /** @return a copy whose close waits at most this long per stage */
  default S withShutdownGrace(Duration shutdownGrace) {
    return withEndpoint(endpoint().withShutdownGrace(shutdownGrace));
  }

  /**
   * @param certChain a PEM file with the server certificate first, then its intermediates
   * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
   * @return a copy that serves TLS with these files; they are read when the server starts
   */
  default S withTls(Path certChain, Path privateKey) {
    return withEndpoint(endpoint().withTls(certChain, privateKey));
  }

  /** @return a copy that serves plaintext */
  default S withoutTls() {
    return withEndpoint(endpoint().withoutTls());
  }
}
