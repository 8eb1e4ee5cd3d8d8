package io.tributary.testkit;

import io.tributary.devservices.ElasticsearchDevServer;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisDevServer;
import io.tributary.devservices.RedisEndpoint;
import io.tributary.testkit.internal.ContainerServers;
import io.tributary.testkit.internal.EmbeddedServers;
import io.tributary.testkit.internal.ServerSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that hands tests the addresses of real servers: parameters of type {@link
 * KafkaEndpoint}, {@link RedisEndpoint} and {@link ElasticsearchEndpoint}. Each server starts the
 * first time a test asks for it and at most once per test JVM, shared by every test class, and
 * stops when the run ends; tests keep their data apart by topic, key prefix and index names.
 *
 * <p>{@link DevServicesMode} picks the servers: {@code embedded} (the default) runs them on this
 * machine without Docker; {@code testcontainers} runs them in Docker and, where no Docker engine
 * answers, skips the class with the reason instead of failing it.
 *
 * <p><b>Outages.</b> With the embedded servers a test may also declare a {@link RedisDevServer} or
 * {@link ElasticsearchDevServer} parameter (the same shared server) to take it away with {@code
 * stop()} and bring it back with {@code restart()}. It must restart it in a {@code finally}; a test
 * that leaves one stopped fails, after the extension has restarted it for the tests that follow.
 */
public final class DevServicesExtension implements BeforeAllCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevServicesExtension.class);
  private static final Set<Class<?>> ENDPOINTS = Set.of(KafkaEndpoint.class, RedisEndpoint.class, ElasticsearchEndpoint.class);
  private static final Set<Class<?>> SERVERS = Set.of(RedisDevServer.class, ElasticsearchDevServer.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    if (mode(context) == DevServicesMode.TESTCONTAINERS) {
      Assumptions.assumeTrue(ContainerServers.dockerAvailable(),
          DevServicesMode.PROPERTY + "=testcontainers, but no Docker engine answers on this machine, so "
              + context.getDisplayName() + " is skipped. Start Docker, or run with -D" + DevServicesMode.PROPERTY
              + "=embedded to use the servers built into the testkit.");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (context.getRoot().getStore(NAMESPACE).get(EmbeddedServers.class) instanceof EmbeddedServers embedded) {
      List<String> restarted = embedded.restartStopped();
      if (!restarted.isEmpty()) {
        throw new AssertionError(context.getDisplayName() + " left " + restarted + " stopped; the servers are shared"
            + " by every test of this JVM, so they were restarted now. Call restart() in a finally block.");
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return ENDPOINTS.contains(type) || SERVERS.contains(type);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ServerSource servers = servers(context);
    Class<?> type = parameter.getParameter().getType();
    if (SERVERS.contains(type)) {
      if (!(servers instanceof EmbeddedServers embedded)) {
        throw new ParameterResolutionException("A " + type.getSimpleName() + " parameter needs the embedded dev"
            + " services, which can be stopped and restarted on the same port; these are containers. Run with -D"
            + DevServicesMode.PROPERTY + "=embedded.");
      }
      return type == RedisDevServer.class ? embedded.redisServer() : embedded.elasticsearchServer();
    }
    if (type == KafkaEndpoint.class) {
      return servers.kafka();
    }
    if (type == RedisEndpoint.class) {
      return servers.redis();
    }
    return servers.elasticsearch();
  }

  private static ServerSource servers(ExtensionContext context) {
    DevServicesMode mode = mode(context);
    boolean containers = mode == DevServicesMode.TESTCONTAINERS
        || (mode == DevServicesMode.AUTO && ContainerServers.dockerAvailable());
    // the root store lives for the whole run and closes what it holds at the end: once per JVM
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
        containers ? ContainerServers.class : EmbeddedServers.class,
        key -> containers ? new ContainerServers() : new EmbeddedServers(),
        ServerSource.class);
  }

  private static DevServicesMode mode(ExtensionContext context) {
    Optional<String> configured = context.getConfigurationParameter(DevServicesMode.PROPERTY)
        .or(() -> Optional.ofNullable(System.getenv("TRIBUTARY_DEV_SERVICES")));
    return configured.map(DevServicesMode::parse).orElse(DevServicesMode.EMBEDDED);
  }
}
