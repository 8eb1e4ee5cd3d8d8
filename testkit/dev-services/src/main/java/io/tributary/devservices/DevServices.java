package io.tributary.devservices;

import io.tributary.devservices.internal.DataDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The dev services of one test run or one dev-mode service: a Kafka broker, a Redis server and an
 * Elasticsearch node under one data directory, each started on first use and at most once, all on
 * 127.0.0.1 at free ports. Thread-safe.
 *
 * <p>{@link #temporary()} is for tests: its directory is deleted on {@link #close()}. {@link
 * #persistent(Path)} is for a service's embedded default: data survives a restart.
 * Either way every server stops on {@link #close()} or, failing that, when the JVM exits.
 */
public final class DevServices implements AutoCloseable {
  private final Path baseDir;
  private final boolean temporary;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final @Nullable Thread shutdownHook;
  private @Nullable KafkaDevServer kafka;
  private @Nullable RedisDevServer redis;
  private @Nullable ElasticsearchDevServer elasticsearch;
  private boolean closed;

  private DevServices(Path baseDir, boolean temporary, boolean stopAtExit) {
    this.baseDir = baseDir;
    this.temporary = temporary;
    this.shutdownHook = stopAtExit ? new Thread(this::closeQuietlyAtExit, "dev-services-stop") : null;
    if (shutdownHook != null) {
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  /** @return dev services in a new temporary directory, deleted on {@link #close()} */
  public static DevServices temporary() {
    try {
      return new DevServices(Files.createTempDirectory("tributary-dev-"), true, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary directory for the dev services: " + e.getMessage()
          + ". Check java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ").", e);
    }
  }

  /** @return dev services whose data lives in {@code baseDir} and survives a restart; stopped at JVM exit */
  public static DevServices persistent(Path baseDir) {
    return persistent(baseDir, true);
  }

  /**
   * @param stopAtExit {@code false} when the owner stops them in its own shutdown hook, after the
   *     clients that use them: a hook of their own would run at the same time and stop Kafka while a
   *     service is still leaving its consumer group, so its next start waits out the session timeout
   * @return dev services whose data lives in {@code baseDir} and survives a restart
   */
  public static DevServices persistent(Path baseDir, boolean stopAtExit) {
    return new DevServices(baseDir, false, stopAtExit);
  }

  /** @return the data directory: {@code kafka/}, {@code redis/} and {@code elasticsearch/} below it */
  public Path baseDir() {
    return baseDir;
  }

  /**
   * @return the Kafka broker, started on the first call
   * @throws DevServiceException if it cannot start
   */
  public synchronized KafkaEndpoint kafka() {
    checkOpen();
    if (kafka == null) {
      kafka = remember(KafkaDevServer.start(KafkaDevServer.Options.defaults(baseDir.resolve("kafka"))));
    }
    return kafka.endpoint();
  }

  /**
   * @return the Redis server, started on the first call
   * @throws DevServiceException if it cannot start
   */
  public synchronized RedisEndpoint redis() {
    checkOpen();
    if (redis == null) {
      redis = remember(RedisDevServer.start(
          RedisDevServer.Options.defaults(baseDir.resolve("redis")).withPersistent(!temporary)));
    }
    return redis.endpoint();
  }

  /**
   * The Redis server itself, for a test that takes it away with {@link RedisDevServer#stop()} and
   * brings it back with {@link RedisDevServer#restart()} (same port, same data). Restart it in a
   * {@code finally}, as others share it; leave closing it to {@link #close()}.
   *
   * @return the Redis server, started on the first call
   * @throws DevServiceException if it cannot start
   */
  public synchronized RedisDevServer redisServer() {
    redis();
    return Objects.requireNonNull(redis);
  }

  /**
   * The Elasticsearch node itself, for a test that takes it away with {@link
   * ElasticsearchDevServer#stop()} and brings it back with {@link ElasticsearchDevServer#restart()}
   * (same port, same indices). Restart it in a {@code finally}, as others share it; leave closing it
   * to {@link #close()}.
   *
   * @return the Elasticsearch node, started on the first call
   * @throws DevServiceException if it cannot start
   */
  public synchronized ElasticsearchDevServer elasticsearchServer() {
    elasticsearch();
    return Objects.requireNonNull(elasticsearch);
  }

  /**
   * @return the Elasticsearch node, started on the first call (about 6 s and 300 MB, in a child JVM)
   * @throws DevServiceException if it cannot start, with the end of the node's log
   */
  public synchronized ElasticsearchEndpoint elasticsearch() {
    checkOpen();
    if (elasticsearch == null) {
      elasticsearch = remember(ElasticsearchDevServer.start(
          ElasticsearchDevServer.Options.defaults(baseDir.resolve("elasticsearch"))));
    }
    return new ElasticsearchEndpoint(elasticsearch.host(), elasticsearch.httpPort());
  }

  /**
   * Stops every started server, newest first, then deletes the directory if temporary. Every server
   * is stopped even if one fails; the first failure is thrown with the others suppressed. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        failure = addFailure(failure, e);
      }
    }
    if (temporary) {
      try {
        DataDirs.deleteRecursively(baseDir);
      } catch (IOException e) {
        failure = addFailure(failure, e);
      }
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // called from the hook itself
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private <T extends AutoCloseable> T remember(T server) {
    started.push(server);
    return server;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("These dev services are closed; create new ones with DevServices.temporary()"
          + " or DevServices.persistent(dir).");
    }
  }

  private void closeQuietlyAtExit() {
    try {
      close();
    } catch (RuntimeException e) {
      // the JVM is exiting; print the cause, as nothing else will report it
      System.err.println("Tributary dev services did not stop cleanly: " + e);
    }
  }

  private static RuntimeException addFailure(@Nullable RuntimeException failure, Exception e) {
    if (failure == null) {
      return e instanceof RuntimeException runtime
          ? runtime
          : new DevServiceException("Stopping a dev service failed: " + e.getMessage(), e);
    }
    failure.addSuppressed(e);
    return failure;
  }
}
