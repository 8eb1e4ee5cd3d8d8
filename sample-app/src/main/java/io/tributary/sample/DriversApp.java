package io.tributary.sample;

import io.grpc.BindableService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.devservices.DevServiceException;
import io.tributary.devservices.DevServices;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.runtime.grpc.CommandServerSettings;
import io.tributary.runtime.grpc.GrpcCommandService;
import io.tributary.sample.api.DriversApiService;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drivers service as a program: the command runtime of {@link DriversService} and a gRPC server
 * on 127.0.0.1 that serves the generic {@code tributary.runtime.v1.CommandService}, the typed {@code
 * tributary.sample.api.v1.DriversApi}, health and reflection.
 *
 * <p>{@link #main} reads its configuration from system properties or environment variables (see
 * {@link DriversAppConfig} for defaults):
 *
 * <ul>
 *   <li>{@code tributary.kafka.bootstrap-servers} / {@code TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS}: the
 *       Kafka brokers. Absent, the app starts the embedded default: a Kafka broker in this JVM on a
 *       free loopback port, with its log under the data directory, so data survives a restart.
 *   <li>{@code tributary.data-dir} / {@code TRIBUTARY_DATA_DIR}: where everything is written,
 *       default {@code ${user.home}/.tributary/drivers}; {@code state/} holds the RocksDB state,
 *       {@code dev-services/} the embedded broker's data.
 *   <li>{@code tributary.grpc.port} / {@code TRIBUTARY_GRPC_PORT}: the gRPC port, default 50051; 0
 *       takes any free port.
 *   <li>{@code tributary.partitions} / {@code TRIBUTARY_PARTITIONS}: the partition count, default 8;
 *       fixed once the topics exist.
 * </ul>
 *
 * When ready it prints one line to standard output: {@code Drivers service ready: gRPC on
 * 127.0.0.1:50051 (...)}; with the embedded broker, that is once this instance owns every partition. On exit (Ctrl-C, SIGTERM) it closes the gRPC server, then the runtime,
 * then the embedded services. A start failure prints the cause and the fix and exits with status
 * 1; so does a runtime that stops by itself.
 *
 * <p>Tests and other programs use {@link #start} instead, with their own brokers and settings.
 */
public final class DriversApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DriversApp.class);
  // longer than a consumer group's default session timeout (45 s), which a restart may have to wait out
  private static final Duration PARTITION_WAIT = Duration.ofSeconds(90);

  private final TributaryRuntime runtime;
  private final ScheduledThreadPoolExecutor apiTimers;
  private final CommandServer server;
  private final @Nullable DriversReadSide readSide;

  private DriversApp(TributaryRuntime runtime, ScheduledThreadPoolExecutor apiTimers, CommandServer server,
      @Nullable DriversReadSide readSide) {
    this.runtime = runtime;
    this.apiTimers = apiTimers;
    this.server = server;
    this.readSide = readSide;
  }

  /** Starts the command side only; see {@link #start(RuntimeSettings, CommandServerSettings, DriversReadSide.Settings, MeterRegistry)}. */
  public static DriversApp start(
      RuntimeSettings runtimeSettings, CommandServerSettings serverSettings, MeterRegistry meters) {
    return start(runtimeSettings, serverSettings, null, meters);
  }

  /**
   * Starts the runtime against the brokers in {@code runtimeSettings}, then the gRPC server.
   *
   * @param runtimeSettings the brokers, partitions and state directory
   * @param serverSettings where to serve gRPC; its {@code maxCommandBytes} must equal the runtime's
   * @param readSideSettings where the projections and queries run; null serves commands only
   * @param meters where the runtime reports its metrics
   * @return the running app; close it to stop
   * @throws IllegalArgumentException if the two command size limits differ
   * @throws PermanentException if a topic has another partition count, the state directory is
   *     unusable or the port cannot be bound; the message names the fix. Nothing is left running.
   * @throws TransientException if the brokers cannot be reached. Nothing is left running.
   */
  public static DriversApp start(RuntimeSettings runtimeSettings, CommandServerSettings serverSettings,
      DriversReadSide.@Nullable Settings readSideSettings, MeterRegistry meters) {
    if (runtimeSettings.maxCommandBytes() != serverSettings.maxCommandBytes()) {
      throw new IllegalArgumentException(
          "The gRPC server accepts commands up to " + serverSettings.maxCommandBytes() + " bytes but the runtime up"
              + " to " + runtimeSettings.maxCommandBytes() + "; make them equal with"
              + " CommandServerSettings.withMaxCommandBytes(runtimeSettings.maxCommandBytes()).");
    }
    TributaryRuntime runtime = TributaryRuntime.start(DriversService.definition(), runtimeSettings, meters);
    ScheduledThreadPoolExecutor apiTimers = newTimers();
    DriversReadSide readSide = null;
    try {
      List<BindableService> services = new ArrayList<>();
      if (readSideSettings != null) {
        readSide = DriversReadSide.start(DriversService.definition(), readSideSettings, meters);
        services.addAll(readSide.grpcServices());
      }
      // the typed API hands each call to its own generic service, so both answer with the same statuses
      GrpcCommandService typedApiDelegate = new GrpcCommandService(
          runtime.commands(), apiTimers, serverSettings.defaultTimeout(), serverSettings.deadlineMargin());
      services.add(new DriversApiService(typedApiDelegate));
      CommandServer server = CommandServer.start(serverSettings, runtime.commands(), services);
      return new DriversApp(runtime, apiTimers, server, readSide);
    } catch (RuntimeException e) {
      apiTimers.shutdownNow();
      if (readSide != null) {
        try {
          readSide.close();
        } catch (RuntimeException closeFailure) {
          e.addSuppressed(closeFailure);
        }
      }
      try {
        runtime.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  /** @return the bound gRPC port: the configured one, or the one taken when 0 was configured */
  public int port() {
    return server.port();
  }

  /** @return the read side (projections and queries), or empty when the app serves commands only */
  public Optional<DriversReadSide> readSide() {
    return Optional.ofNullable(readSide);
  }

  /** @return the running command runtime, e.g. to check {@link TributaryRuntime#failure()} */
  public TributaryRuntime runtime() {
    return runtime;
  }

  /**
   * Stops serving (calls in flight get the server's shutdown grace), then the read side, then closes the runtime. Every
   * part is closed even if one fails; the first failure is thrown with the others suppressed.
   */
  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      server.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    // only after the server has terminated: a call in flight may still schedule its timer
    apiTimers.shutdownNow();
    if (readSide != null) {
      try {
        readSide.close();
      } catch (RuntimeException e) {
        failure = keepFirst(failure, e);
      }
    }
    try {
      runtime.close();
    } catch (RuntimeException e) {
      failure = keepFirst(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Runs the app until the JVM is asked to exit; see the class javadoc for the configuration.
   *
   * @param args none; any argument prints the usage and exits with status 64
   */
  public static void main(String[] args) {
    if (args.length > 0) {
      System.err.println("DriversApp takes no arguments; it is configured with system properties or"
          + " environment variables: -Dtributary.kafka.bootstrap-servers=host:9092 (absent: embedded Kafka),"
          + " -Dtributary.data-dir=DIR, -Dtributary.grpc.port=50051 (0: any free port), -Dtributary.partitions=8.");
      System.exit(64);
    }
    DriversAppConfig config;
    try {
      config = DriversAppConfig.fromEnvironment();
    } catch (IllegalArgumentException e) {
      System.err.println("Drivers service failed to start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Running running = startOrExit(config);
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      try {
        running.close();
        System.out.println("Drivers service stopped.");
      } catch (RuntimeException e) {
        System.err.println("Drivers service did not stop cleanly: " + e);
      } finally {
        stopped.countDown();
      }
    }, "drivers-stop"));
    if (running.devServices() != null) {
      awaitAllPartitions(running.app(), config.partitions(), stopping);
    }
    if (!stopping.get() && running.app().runtime().isRunning()) {
      System.out.println(running.readyLine(config));
    }
    awaitExit(running.app(), stopping, stopped);
  }

  /** The started app with the dev services it runs on, if any. */
  private record Running(DriversApp app, @Nullable DevServices devServices, String bootstrapServers) {
    String readyLine(DriversAppConfig config) {
      String kafka = devServices != null ? bootstrapServers + ", embedded" : bootstrapServers;
      String reads = app.readSide().isPresent() ? "commands and queries" : "commands only";
      return "Drivers service ready: gRPC on 127.0.0.1:" + app.port() + ", " + reads + " (Kafka " + kafka
          + "; data in " + config.dataDir() + ")";
    }

    /** Closes the server, the runtime, then the dev services; keeps the first failure. */
    void close() {
      RuntimeException failure = null;
      try {
        app.close();
      } catch (RuntimeException e) {
        failure = e;
      }
      if (devServices != null) {
        try {
          devServices.close();
        } catch (RuntimeException e) {
          failure = keepFirst(failure, e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  private static Running startOrExit(DriversAppConfig config) {
    DevServices devServices = null;
    String bootstrap = config.kafkaBootstrapServers();
    try {
      requirePortFree(config.grpcPort());
      URI redis = config.redisUri();
      URI elasticsearch = config.elasticsearchUri();
      if (bootstrap == null) {
        log.info("No Kafka address is configured ({} / {}): starting the embedded Kafka broker{}{} with their data"
                + " in {}.", DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS,
            DriversAppConfig.environmentName(DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS),
            redis == null ? ", Redis" : "", elasticsearch == null ? " and an Elasticsearch node" : "",
            config.devServicesDir());
        devServices = DevServices.persistent(config.devServicesDir(), false);
        bootstrap = devServices.kafka().bootstrapServers();
        redis = redis != null ? redis : devServices.redis().uri();
        elasticsearch = elasticsearch != null ? elasticsearch : devServices.elasticsearch().httpUri();
      } else {
        log.info("Connecting to Kafka at {}; if it does not answer, the start fails after about a minute.", bootstrap);
        if (redis == null || elasticsearch == null) {
          log.warn("The read side is off: set {} and {} (or {} and {}) to serve the projections and queries.",
              DriversAppConfig.REDIS_URI, DriversAppConfig.ELASTICSEARCH_URI,
              DriversAppConfig.environmentName(DriversAppConfig.REDIS_URI),
              DriversAppConfig.environmentName(DriversAppConfig.ELASTICSEARCH_URI));
        }
      }
      DriversReadSide.Settings readSide = redis != null && elasticsearch != null
          ? new DriversReadSide.Settings(bootstrap, redis, elasticsearch, config.projectionStateDir(), "drivers:")
          : null;
      RuntimeSettings settings = config.runtimeSettings(bootstrap);
      DriversApp app = start(settings, config.serverSettings(settings), readSide, new SimpleMeterRegistry());
      return new Running(app, devServices, bootstrap);
    } catch (RuntimeException e) {
      if (devServices != null) {
        try {
          devServices.close();
        } catch (RuntimeException closeFailure) {
          e.addSuppressed(closeFailure);
        }
      }
      reportStartFailure(System.err, config, bootstrap, e);
      System.exit(1);
      throw e; // not reached
    }
  }

  /**
   * Fails in a moment, before the broker and the runtime start, when the port is taken, e.g. by
   * another instance of this app; the server's own bind still decides.
   */
  private static void requirePortFree(int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new PermanentException("Port " + port + " on 127.0.0.1 is in use (" + e.getMessage() + "); is another"
          + " drivers service running? Stop it, or set " + DriversAppConfig.GRPC_PORT + " or "
          + DriversAppConfig.environmentName(DriversAppConfig.GRPC_PORT) + " to a free port (0 takes any).", e);
    }
  }

  private static void reportStartFailure(
      PrintStream out, DriversAppConfig config, @Nullable String bootstrap, RuntimeException e) {
    out.println("Drivers service failed to start: " + e.getMessage());
    String kafkaSetting = DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS + " / "
        + DriversAppConfig.environmentName(DriversAppConfig.KAFKA_BOOTSTRAP_SERVERS);
    switch (e) {
      case DevServiceException devServices -> out.println(
          "Fix: the embedded Kafka broker keeps its data in " + config.devServicesDir().resolve("kafka")
              + "; follow the message above, or set " + kafkaSetting + " to a running broker.");
      case TransientException transientFailure -> out.println(config.embeddedKafka()
          ? "Fix: the embedded broker at " + bootstrap + " did not answer in time; start the app again."
          : "Fix: check that Kafka answers at " + bootstrap + ", or unset " + kafkaSetting
              + " to start the embedded broker.");
      case PermanentException permanent -> out.println(
          "Fix: follow the message above. The settings are " + DriversAppConfig.GRPC_PORT + ", "
              + DriversAppConfig.PARTITIONS + " and " + DriversAppConfig.DATA_DIR
              + " (or their TRIBUTARY_ environment variables); data is in " + config.dataDir() + ".");
      case IllegalArgumentException invalid -> {
        // a setting out of range: the message names it
      }
      default -> {
        out.println("This is unexpected; the stack trace follows. Report it with the data directory's path: "
            + config.dataDir());
        e.printStackTrace(out);
      }
    }
  }

  /**
   * With the embedded broker this instance is the only member of the service's consumer group, so it
   * is ready once it owns every partition; until then, commands are accepted but wait.
   */
  private static void awaitAllPartitions(DriversApp app, int partitions, AtomicBoolean stopping) {
    long start = System.nanoTime();
    boolean told = false;
    while (app.runtime().ownedPartitions().size() < partitions && app.runtime().isRunning() && !stopping.get()) {
      long waited = System.nanoTime() - start;
      if (!told && waited > TimeUnit.SECONDS.toNanos(2)) {
        log.info("Waiting for Kafka to assign the service's {} partitions to this instance. After a stop that did"
            + " not leave the consumer group, this takes up to the group's session timeout (45 s by default).",
            partitions);
        told = true;
      }
      if (waited > PARTITION_WAIT.toNanos()) {
        log.warn("This instance owns {} of the {} partitions after {} s; commands for the others wait until Kafka"
            + " assigns them.", app.runtime().ownedPartitions().size(), partitions, PARTITION_WAIT.toSeconds());
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Waits until the shutdown hook has run; exits with status 1 if the runtime stops by itself. */
  private static void awaitExit(DriversApp app, AtomicBoolean stopping, CountDownLatch stopped) {
    try {
      while (!stopped.await(1, TimeUnit.SECONDS)) {
        if (!stopping.get() && !app.runtime().isRunning()) {
          Throwable failure = app.runtime().failure();
          System.err.println("Drivers service stopped by itself: "
              + (failure != null ? failure : "its task loop ended") + ". Check the log above, then start it again.");
          System.exit(1);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ScheduledThreadPoolExecutor newTimers() {
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "drivers-api-timeouts");
      thread.setDaemon(true);
      return thread;
    });
    // most timers are cancelled because the outcome came first: drop them rather than keep them queued
    timers.setRemoveOnCancelPolicy(true);
    return timers;
  }

  private static RuntimeException keepFirst(@Nullable RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }
}
