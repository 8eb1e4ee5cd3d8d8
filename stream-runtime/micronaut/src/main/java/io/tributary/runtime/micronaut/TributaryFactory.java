package io.tributary.runtime.micronaut;

import io.grpc.BindableService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.PermanentException;
import io.tributary.devservices.DevServices;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a service's runtime with the application context, from the one {@link ServiceDefinition}
 * bean the service provides and the {@code tributary.*} configuration. Its beans:
 *
 * <ul>
 *   <li>{@link DevServices}, only when {@value RuntimeProperties#BOOTSTRAP_SERVERS} is absent: a
 *       Kafka broker in this JVM with its data in {@code tributary.dev.data-dir}, kept across
 *       restarts;
 *   <li>{@link RuntimeSettings}: the configuration, on the configured brokers, else on the dev
 *       services' broker;
 *   <li>{@link TributaryRuntime}, started eagerly with those settings;
 *   <li>{@link CommandGateway}: the runtime's, for the service's own endpoints;
 *   <li>{@link CommandServer}, started eagerly unless {@value CommandServerProperties#ENABLED} is
 *       {@code false}: the gRPC command API, plus every {@link BindableService} bean of the context.
 * </ul>
 *
 * Closing the context closes them in order of dependence (Micronaut destroys a bean before the
 * beans it was built from): the server stops taking calls first, then the runtime leaves its
 * group, then the dev services stop. Micronaut closes nothing when the context fails to start, so
 * a bean that fails here closes what the beans before it started.
 *
 * <p>Setting {@value #ENABLED} to {@code false} leaves all of them out, e.g. for a tool that shares
 * the service's context.
 */
@Factory
@Requires(property = TributaryFactory.ENABLED, notEquals = "false")
public final class TributaryFactory {
  /** The key that, when {@code false}, leaves every bean of this factory out. */
  public static final String ENABLED = RuntimeProperties.PREFIX + ".enabled";

  private static final Logger log = LoggerFactory.getLogger(TributaryFactory.class);

  /**
   * The embedded default: Kafka in this JVM, started by {@link #runtimeSettings} on first use and
   * stopped when the context closes.
   */
  @Singleton
  @Bean(preDestroy = "close")
  @Requires(missingProperty = RuntimeProperties.BOOTSTRAP_SERVERS)
  public DevServices devServices(ServiceDefinition definition, DevModeProperties dev) {
    Path dataDir = dev.dataDirFor(definition.name());
    log.info("{} is not set: service {} runs on the dev services' Kafka broker, with its data in {}",
        RuntimeProperties.BOOTSTRAP_SERVERS, definition.name(), dataDir);
    // the context stops them after the runtime, which must leave its group while Kafka still runs
    return DevServices.persistent(dataDir, false);
  }

  /**
   * The runtime's settings: {@link RuntimeProperties} on the configured brokers, else on the dev
   * services' broker (which this starts), with the state in {@code <tributary.dev.data-dir>/state}
   * unless {@code tributary.runtime.state-dir} is set.
   *
   * @param devServices present when {@value RuntimeProperties#BOOTSTRAP_SERVERS} is absent
   * @throws io.tributary.devservices.DevServiceException if the dev services' broker cannot start
   */
  @Singleton
  public RuntimeSettings runtimeSettings(ServiceDefinition definition, RuntimeProperties properties,
      DevModeProperties dev, Optional<DevServices> devServices) {
    String configured = properties.bootstrapServers();
    String bootstrapServers;
    if (configured != null) {
      bootstrapServers = configured;
    } else {
      DevServices services = devServices.orElseThrow(() -> new IllegalStateException(
          RuntimeProperties.BOOTSTRAP_SERVERS + " is not set and no DevServices bean exists. Set it to the Kafka"
              + " brokers, e.g. kafka-1:9092."));
      try {
        bootstrapServers = services.kafka().bootstrapServers();
      } catch (RuntimeException e) {
        throw closeAfterFailedStart(e, services);
      }
    }
    return properties.toSettings(bootstrapServers, dev.dataDirFor(definition.name()).resolve("state"));
  }

  /**
   * Starts the runtime: it creates or checks the topics, joins the group and serves its partitions.
   *
   * @param meters the context's registry if it has one; else the runtime's meters go to a private
   *     {@link SimpleMeterRegistry}
   * @throws io.tributary.core.error.PermanentException if a topic has another partition count or the
   *     state directory is unusable, naming the fix
   * @throws io.tributary.core.error.TransientException if the brokers cannot be reached
   */
  @Context
  @Bean(preDestroy = "close")
  public TributaryRuntime runtime(ServiceDefinition definition, RuntimeSettings settings,
      Optional<MeterRegistry> meters, Optional<DevServices> devServices) {
    log.info("Starting service {} on {} with {} partitions, state in {}",
        definition.name(), settings.bootstrapServers(), settings.partitions(), settings.stateDir());
    try {
      // a SimpleMeterRegistry holds no thread or file, so nothing needs to close it
      return TributaryRuntime.start(definition, settings, meters.orElseGet(SimpleMeterRegistry::new));
    } catch (RuntimeException e) {
      throw closeAfterFailedStart(e, devServices.orElse(null));
    }
  }

  /** @return the runtime's gateway: checks commands and completes with their committed outcome */
  @Singleton
  public CommandGateway commandGateway(TributaryRuntime runtime) {
    return runtime.commands();
  }

  /**
   * Starts the gRPC command server over the runtime's gateway.
   *
   * @param services the context's other gRPC services, served beside the command API
   * @throws PermanentException if the port cannot be bound or the TLS files cannot be read, naming
   *     the keys to change
   */
  @Context
  @Bean(preDestroy = "close")
  @Requires(property = CommandServerProperties.ENABLED, notEquals = "false")
  public CommandServer commandServer(CommandServerProperties properties, RuntimeSettings settings,
      TributaryRuntime runtime, Optional<DevServices> devServices, List<BindableService> services) {
    try {
      return startServer(properties.toSettings(settings.maxCommandBytes()), runtime, services);
    } catch (RuntimeException e) {
      throw closeAfterFailedStart(e, runtime, devServices.orElse(null));
    }
  }

  private static CommandServer startServer(CommandServerSettings settings, TributaryRuntime runtime,
      List<BindableService> services) {
    try {
      return CommandServer.start(settings, runtime.commands(), services);
    } catch (PermanentException e) {
      String keys = CommandServerProperties.PREFIX;
      throw new PermanentException("The gRPC command server did not start on " + keys + ".host=" + settings.host()
          + ", " + keys + ".port=" + settings.port()
          + (settings.tls().isPresent() ? " with " + keys + ".tls.cert-chain and " + keys + ".tls.private-key" : "")
          + "; change those keys, or set " + CommandServerProperties.ENABLED + "=false to run without it. "
          + e.getMessage(), e);
    }
  }

  // A context whose start fails never destroys the beans it already created, so each step closes
  // what the steps before it started; in a process that exits on the failure this only comes early.
  private static RuntimeException closeAfterFailedStart(RuntimeException failure, @Nullable AutoCloseable... started) {
    for (AutoCloseable part : started) {
      if (part != null) {
        try {
          part.close();
        } catch (Exception e) {
          failure.addSuppressed(e);
        }
      }
    }
    return failure;
  }
}
