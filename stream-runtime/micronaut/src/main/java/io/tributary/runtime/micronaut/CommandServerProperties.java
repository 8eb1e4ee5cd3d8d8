package io.tributary.runtime.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.tributary.grpc.EndpointSettings;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC command server's configuration under {@value #PREFIX}, one key per {@link
 * CommandServerSettings} field. An absent key takes the value of {@link
 * CommandServerSettings#defaults()}, except {@code max-command-bytes}, which follows {@code
 * tributary.runtime.max-command-bytes}. Values are checked when the bean is created; an invalid one
 * fails the application context's start with a message naming the key and the fix. Immutable.
 *
 * @param enabled {@code enabled}: whether to start the {@link CommandServer}; default {@code true}
 * @param host {@code host}: the address to bind, {@code 0.0.0.0} for every interface
 * @param port {@code port}: the port to bind, 0 to take a free one
 * @param maxCommandBytes {@code max-command-bytes}: the largest command payload; it must equal
 *     {@code tributary.runtime.max-command-bytes}, which it follows when absent or {@value
 *     #FOLLOW_RUNTIME}
 * @param defaultTimeout {@code default-timeout}: how long a call without a deadline waits for its
 *     outcome
 * @param deadlineMargin {@code deadline-margin}: how long before a call's deadline the server
 *     answers DEADLINE_EXCEEDED itself
 * @param shutdownGrace {@code shutdown-grace}: how long closing lets calls in flight finish
 * @param tls {@code tls.*}: the certificate chain and private key to serve TLS with
 */
@ConfigurationProperties(CommandServerProperties.PREFIX)
public record CommandServerProperties(
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "0.0.0.0") String host,
    @Bindable(defaultValue = "50051") int port,
    @Bindable(defaultValue = "0") int maxCommandBytes,
    @Bindable(defaultValue = "10s") Duration defaultTimeout,
    @Bindable(defaultValue = "100ms") Duration deadlineMargin,
    @Bindable(defaultValue = "5s") Duration shutdownGrace,
    Tls tls) {

  /** The prefix of every key of this class. */
  public static final String PREFIX = "tributary.grpc";

  /** The default {@code max-command-bytes}: follow {@code tributary.runtime.max-command-bytes}. */
  public static final int FOLLOW_RUNTIME = 0;

  /** The key that turns the server off when {@code false}. */
  public static final String ENABLED = PREFIX + ".enabled";

  // the keys whose values Micronaut would replace by their default if they did not convert
  static final Map<String, Class<?>> TYPED_KEYS = Map.of(
      "enabled", Boolean.class,
      "port", Integer.class,
      "max-command-bytes", Integer.class,
      "default-timeout", Duration.class,
      "deadline-margin", Duration.class,
      "shutdown-grace", Duration.class);

  /** @throws IllegalArgumentException naming the key and the fix, if a value is out of range */
  public CommandServerProperties {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException(PREFIX + ".host is blank. Set it to 0.0.0.0 for every interface or to"
          + " 127.0.0.1 for loopback only.");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(PREFIX + ".port is " + port + ". Set it to 1-65535, or to 0 to take a"
          + " free port.");
    }
    if (maxCommandBytes < 0) {
      throw new IllegalArgumentException(PREFIX + ".max-command-bytes is " + maxCommandBytes + ". Remove it to"
          + " follow " + RuntimeProperties.PREFIX + ".max-command-bytes.");
    }
    positive("default-timeout", defaultTimeout, "10s");
    Objects.requireNonNull(deadlineMargin, "deadlineMargin");
    if (deadlineMargin.isNegative()) {
      throw new IllegalArgumentException(PREFIX + ".deadline-margin is " + deadlineMargin + ". Set it to 0s or"
          + " more, e.g. 100ms.");
    }
    positive("shutdown-grace", shutdownGrace, "5s");
    Objects.requireNonNull(tls, "tls");
  }

  /**
   * Builds the server's settings from these values.
   *
   * @param runtimeMaxCommandBytes the runtime's payload limit, which the server's must equal
   * @throws IllegalArgumentException naming both keys, if {@code max-command-bytes} is configured
   *     and differs from the runtime's
   */
  public CommandServerSettings toSettings(int runtimeMaxCommandBytes) {
    if (maxCommandBytes != FOLLOW_RUNTIME && maxCommandBytes != runtimeMaxCommandBytes) {
      throw new IllegalArgumentException(PREFIX + ".max-command-bytes is " + maxCommandBytes + " but "
          + RuntimeProperties.PREFIX + ".max-command-bytes is " + runtimeMaxCommandBytes + "; they must be equal so"
          + " that an oversized command is answered INVALID_ARGUMENT naming the limit. Remove " + PREFIX
          + ".max-command-bytes (it follows the runtime's) or set both to the same value.");
    }
    CommandServerSettings settings = new CommandServerSettings(
        new EndpointSettings(host, port, shutdownGrace, Optional.empty()), runtimeMaxCommandBytes, defaultTimeout,
        deadlineMargin);
    return tls.certChain() != null && tls.privateKey() != null
        ? settings.withTls(tls.certChain(), tls.privateKey())
        : settings;
  }

  /**
   * TLS for the command server under {@value CommandServerProperties#PREFIX}{@code .tls}: both keys
   * set serves TLS, neither serves plaintext. The files must be readable when this bean is created;
   * the server reads them when it starts.
   *
   * @param certChain {@code tls.cert-chain}: a PEM file with the server certificate first, then its
   *     intermediates
   * @param privateKey {@code tls.private-key}: a PEM file with the certificate's private key, PKCS#8
   *     and unencrypted
   */
  @ConfigurationProperties("tls")
  public record Tls(@Nullable Path certChain, @Nullable Path privateKey) {
    /**
     * @throws IllegalArgumentException naming the keys, if only one is set or a file is not
     *     readable
     */
    public Tls {
      if ((certChain == null) != (privateKey == null)) {
        throw new IllegalArgumentException(PREFIX + ".tls." + (certChain == null ? "private-key" : "cert-chain")
            + " is set but " + PREFIX + ".tls." + (certChain == null ? "cert-chain" : "private-key")
            + " is not. Set both to serve TLS, or neither to serve plaintext.");
      }
      readable("cert-chain", certChain);
      readable("private-key", privateKey);
    }

    private static void readable(String key, @Nullable Path file) {
      if (file != null && !Files.isReadable(file)) {
        throw new IllegalArgumentException(PREFIX + ".tls." + key + " is " + file.toAbsolutePath() + ", which is"
            + " not a readable file. Point it at a PEM file that this process can read.");
      }
    }
  }

  private static void positive(String key, Duration value, String example) {
    Objects.requireNonNull(value, key);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(PREFIX + "." + key + " is " + value + ". Set it to a positive duration,"
          + " e.g. " + example + ".");
    }
  }
}
