package io.tributary.runtime.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where a service keeps its local data under {@value #PREFIX}: the dev services' data when no Kafka
 * address is configured, and the runtime's state unless {@code tributary.runtime.state-dir} says
 * otherwise. Immutable.
 *
 * @param dataDir {@code data-dir}: the directory; default {@code ${user.home}/.tributary/<service
 *     name>}
 */
@ConfigurationProperties(DevModeProperties.PREFIX)
public record DevModeProperties(@Nullable Path dataDir) {
  /** The prefix of every key of this class. */
  public static final String PREFIX = "tributary.dev";

  /**
   * @param serviceName the service's name, as in its {@link io.tributary.core.definition.ServiceDefinition}
   * @return the configured data directory, else {@code ${user.home}/.tributary/<serviceName>}
   */
  public Path dataDirFor(String serviceName) {
    return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".tributary", serviceName);
  }
}
