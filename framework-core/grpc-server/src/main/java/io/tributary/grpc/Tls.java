package io.tributary.grpc;

import io.tributary.core.annotation.Evolving;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Files to serve TLS with; read when the server starts.
 *
 * @param certChain a PEM file with the server certificate first, then its intermediates
 * @param privateKey a PEM file with the certificate's private key, PKCS#8 and unencrypted
 */
@Evolving
public record Tls(Path certChain, Path privateKey) {
  /** @throws NullPointerException if a path is null */
  public Tls {
    Objects.requireNonNull(certChain, "certChain");
    Objects.requireNonNull(privateKey, "privateKey");
  }
}
