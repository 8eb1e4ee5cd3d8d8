package io.tributary.testkit;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where {@link DevServicesExtension} gets its servers, chosen by the configuration parameter or
 * system property {@value #PROPERTY} (or the environment variable {@code TRIBUTARY_DEV_SERVICES}).
 */
public enum DevServicesMode {
  /** Real servers on this machine: Kafka in the test JVM, Redis and Elasticsearch as child processes. The default. */
  EMBEDDED,
  /** Docker containers through Testcontainers. Without a Docker engine, the tests that need servers are skipped. */
  TESTCONTAINERS,
  /** Testcontainers when a Docker engine answers, else embedded. */
  AUTO;

  /** The configuration key. */
  public static final String PROPERTY = "tributary.dev-services";

  /**
   * @param value {@code embedded}, {@code testcontainers} or {@code auto}, in any case
   * @throws IllegalArgumentException naming the accepted values
   */
  public static DevServicesMode parse(String value) {
    try {
      return valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Unknown " + PROPERTY + " value '" + value + "'; use one of "
          + Arrays.stream(values()).map(mode -> mode.name().toLowerCase(Locale.ROOT)).toList()
          + ", e.g. -D" + PROPERTY + "=embedded.", e);
    }
  }
}
