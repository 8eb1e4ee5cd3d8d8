package io.tributary.devservices;

import io.tributary.devservices.internal.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker, KRaft mode (broker and controller in one node), running inside this JVM on
 * 127.0.0.1 at free ports. Transactions, {@code read_committed} and consumer groups behave as on any
 * broker; internal topics use a replication factor of 1.
 *
 * <p>The log lives in {@link Options#dataDir()}: a directory that already holds a formatted log is
 * reused, so a dev-mode service keeps its topics across restarts (the ports may change). Start-up
 * takes a few seconds and about 250 MB of memory; start one broker per JVM and share it.
 */
public final class KafkaDevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaDevServer.class);
  private static final int BIND_ATTEMPTS = 3;
  /** Kafka's defaults of {@code num.io.threads}, {@code num.network.threads} and {@code group.coordinator.threads}. */
  static final int KAFKA_REQUEST_HANDLERS = 8;
  static final int KAFKA_NETWORK_THREADS = 3;
  static final int KAFKA_GROUP_COORDINATOR_THREADS = 4;
  /** The size of each partition's index files ({@code log.index.size.max.bytes}). */
  static final int INDEX_BYTES = 1 << 20;

  /**
   * How to start the broker.
   *
   * @param dataDir where the log and {@code server.properties} live; created if absent
   * @param startupTimeout how long to wait for the broker to answer
   * @param overrides broker settings that replace or add to the defaults
   */
  public record Options(Path dataDir, Duration startupTimeout, Map<String, String> overrides) {
    public Options {
      overrides = Map.copyOf(overrides);
    }

    /** @return defaults: a 60 s start-up bound and no overrides */
    public static Options defaults(Path dataDir) {
      return new Options(dataDir, Duration.ofSeconds(60), Map.of());
    }

    public Options withStartupTimeout(Duration startupTimeout) {
      return new Options(dataDir, startupTimeout, overrides);
    }

    public Options withOverrides(Map<String, String> overrides) {
      return new Options(dataDir, startupTimeout, overrides);
    }
  }

  private final KafkaRaftServer server;
  private final KafkaEndpoint endpoint;
  private boolean closed;

  private KafkaDevServer(KafkaRaftServer server, KafkaEndpoint endpoint) {
    this.server = server;
    this.endpoint = endpoint;
  }

  /**
   * Formats the log directory if it is new, starts the broker and waits until it answers.
   *
   * @throws DevServiceException if the directory cannot be formatted, the broker fails to start, or it
   *     does not answer within the start-up timeout; the message says which and what to do
   */
  public static KafkaDevServer start(Options options) {
    DevServiceException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int brokerPort = FreePorts.next();
      int controllerPort = FreePorts.next();
      Properties properties = properties(options, brokerPort, controllerPort);
      try {
        return startOnce(options, properties, brokerPort);
      } catch (DevServiceException e) {
        if (!isBindFailure(e)) {
          throw e;
        }
        // another process took a port between the probe and the bind: pick new ports
        log.warn("Kafka dev server could not bind port {} or {} (attempt {}), retrying", brokerPort, controllerPort,
            attempt);
        last = e;
      }
    }
    throw last;
  }

  /** @return where clients connect */
  public KafkaEndpoint endpoint() {
    return endpoint;
  }

  /** @return the value for {@code bootstrap.servers} */
  public String bootstrapServers() {
    return endpoint.bootstrapServers();
  }

  /** Stops the broker and waits for it. The log directory stays. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
  }

  private static KafkaDevServer startOnce(Options options, Properties properties, int brokerPort) {
    Path dataDir = options.dataDir();
    Path logDir = dataDir.resolve("log");
    Path config = dataDir.resolve("server.properties");
    try {
      Files.createDirectories(logDir);
      try (Writer writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
        properties.store(writer, "Tributary dev Kafka broker; rewritten at every start");
      }
    } catch (IOException e) {
      throw new DevServiceException("Cannot write the Kafka dev server's configuration under " + dataDir + ": "
          + e.getMessage() + ". Check that the directory is writable and the disk is not full.", e);
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(config);
    }
    KafkaRaftServer server;
    try {
      server = new KafkaRaftServer(new KafkaConfig(properties), Time.SYSTEM);
      server.startup();
    } catch (RuntimeException e) {
      throw new DevServiceException("The Kafka dev server failed to start in " + dataDir + ": " + e
          + ". If the log directory was written by another Kafka version, delete " + dataDir + " and retry.", e);
    }
    KafkaDevServer started = new KafkaDevServer(server, new KafkaEndpoint("127.0.0.1:" + brokerPort));
    try {
      started.awaitReady(options.startupTimeout());
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    log.info("Kafka dev server ready at {} (data in {})", started.bootstrapServers(), dataDir);
    return started;
  }

  private static void format(Path config) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int exit;
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      exit = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
          out);
    }
    if (exit != 0) {
      throw new DevServiceException("Formatting the Kafka dev server's log directory failed (exit " + exit + "): "
          + output.toString(StandardCharsets.UTF_8).strip() + ". Delete " + config.getParent() + " and retry.");
    }
  }

  private void awaitReady(Duration timeout) {
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoint.bootstrapServers());
    try (Admin client = Admin.create(admin)) {
      client.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new DevServiceException("The Kafka dev server at " + endpoint.bootstrapServers() + " did not answer within "
          + timeout + ". The machine may be overloaded; raise Options.startupTimeout.", e);
    } catch (ExecutionException e) {
      throw new DevServiceException("The Kafka dev server at " + endpoint.bootstrapServers() + " failed: "
          + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevServiceException("Interrupted while waiting for the Kafka dev server", e);
    }
  }

  private static Properties properties(Options options, int brokerPort, int controllerPort) {
    Properties properties = new Properties();
    properties.put("process.roles", "broker,controller");
    properties.put("node.id", "1");
    properties.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    properties.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    properties.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    properties.put("controller.listener.names", "CONTROLLER");
    properties.put("inter.broker.listener.name", "PLAINTEXT");
    properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    properties.put("log.dirs", options.dataDir().resolve("log").toString());
    properties.put("offsets.topic.replication.factor", "1");
    properties.put("offsets.topic.num.partitions", "10");
    properties.put("transaction.state.log.replication.factor", "1");
    properties.put("transaction.state.log.min.isr", "1");
    properties.put("transaction.state.log.num.partitions", "10");
    properties.put("share.coordinator.state.topic.replication.factor", "1");
    properties.put("share.coordinator.state.topic.min.isr", "1");
    properties.put("group.initial.rebalance.delay.ms", "0");
    // a transactional produce that arrives while the coordinator still writes the previous
    // transaction's markers meets CONCURRENT_TRANSACTIONS inside the broker, which retries after this
    // backoff (default 20 ms, for up to 100 ms): on one loopback node the markers take milliseconds,
    // and the batch, with its callers' replies, would wait out the rest of each 20 ms
    properties.put("add.partitions.to.txn.retry.backoff.ms", "2");
    // the default dedupe buffer holds 128 MiB of heap for compaction a dev broker barely does
    properties.put("log.cleaner.dedupe.buffer.size", "4194304");
    properties.put("auto.create.topics.enable", "false");
    // each partition's active segment maps an offset and a time index as sparse files of this size,
    // 10 MiB by default; a page fault on them reads ahead and zeroes many pages of a hole at once, and
    // on a virtual machine whose free memory went back to its host each such page is slow to touch
    // (benchmarks/README.md, Method, "Broker"). 1 MiB still holds the index of about 340 MiB of log.
    properties.put("log.index.size.max.bytes", Integer.toString(INDEX_BYTES));
    properties.putAll(threadPools(Runtime.getRuntime().availableProcessors()));
    properties.putAll(options.overrides());
    return properties;
  }

  /**
   * The broker's thread pools for a JVM with {@code cores} processors. Kafka's defaults (8 request
   * handlers, 3 network threads, 4 group coordinator threads) size a broker for a machine of its own;
   * this one shares the JVM's cores with the service and its callers, and on a few cores the extra
   * threads only take turns on them, each hop of a request waiting for one. One request handler per
   * core (at least 2), and a network and a group coordinator thread per two cores, up to Kafka's
   * defaults, which hold from 8 cores on. {@link Options#overrides()} still replaces any of them.
   */
  static Map<String, String> threadPools(int cores) {
    return Map.of(
        "num.io.threads", String.valueOf(Math.clamp(cores, 2, KAFKA_REQUEST_HANDLERS)),
        "num.network.threads", String.valueOf(Math.clamp(cores / 2, 1, KAFKA_NETWORK_THREADS)),
        "group.coordinator.threads", String.valueOf(Math.clamp(cores / 2, 1, KAFKA_GROUP_COORDINATOR_THREADS)));
  }

  private static boolean isBindFailure(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      // the broker wraps the BindException in a KafkaException that keeps only its message
      if (cause instanceof BindException
          || (cause.getMessage() != null && cause.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }
}
