package io.tributary.devservices;

import io.tributary.devservices.internal.ChildProcess;
import io.tributary.devservices.internal.FreePorts;
import io.tributary.devservices.internal.LogTail;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server in a child process on 127.0.0.1 at a free port: the machine's {@code
 * redis-server} when one is on the {@code PATH}, else the Linux, macOS or Windows binary shipped in
 * the {@code embedded-redis} jar. Its log is {@code redis.log} in {@link Options#dataDir()}.
 *
 * <p>With {@link Options#persistent()} the server keeps an append-only file in the data directory,
 * so a dev-mode service finds its read models again after a restart; otherwise nothing is written
 * to disk. The child is stopped by {@link #close()} or, failing that, when this JVM exits.
 */
public final class RedisDevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisDevServer.class);
  private static final int BIND_ATTEMPTS = 3;

  /**
   * How to start the server.
   *
   * @param dataDir where the log and, if persistent, the append-only file live; created if absent
   * @param persistent keep data across restarts (append-only file), or keep it in memory only
   * @param startupTimeout how long to wait for the server to get ready
   */
  public record Options(Path dataDir, boolean persistent, Duration startupTimeout) {
    /** @return an in-memory server with a 30 s start-up bound */
    public static Options defaults(Path dataDir) {
      return new Options(dataDir, false, Duration.ofSeconds(30));
    }

    public Options withPersistent(boolean persistent) {
      return new Options(dataDir, persistent, startupTimeout);
    }

    public Options withStartupTimeout(Duration startupTimeout) {
      return new Options(dataDir, persistent, startupTimeout);
    }
  }

  private static final Pattern READY = Pattern.compile("Ready to accept connections");

  private final ChildProcess process;
  private final RedisEndpoint endpoint;

  private RedisDevServer(ChildProcess process, RedisEndpoint endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /**
   * Starts the server and waits until it says it accepts connections.
   *
   * @throws DevServiceException if no binary can be found for this platform, or the server exits or
   *     does not get ready in time; the message carries the end of its log and what to do
   */
  public static RedisDevServer start(Options options) {
    Path executable = executable();
    DevServiceException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int port = FreePorts.next();
      try {
        return startOnce(options, executable, port);
      } catch (DevServiceException e) {
        if (!e.getMessage().contains("Address already in use")) {
          throw e;
        }
        log.warn("Redis dev server could not bind port {} (attempt {}), retrying", port, attempt);
        last = e;
      }
    }
    throw last;
  }

  /** @return where clients connect */
  public RedisEndpoint endpoint() {
    return endpoint;
  }

  /**
   * Stops the server with SIGTERM (it writes its append-only file first, if persistent) and waits
   * for it, killing it after 10 s. Idempotent.
   */
  @Override
  public void close() {
    process.close();
  }

  private static RedisDevServer startOnce(Options options, Path executable, int port) {
    Path dataDir = options.dataDir();
    Path logFile = dataDir.resolve("redis.log");
    List<String> command = new ArrayList<>(List.of(
        executable.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--dir", dataDir.toAbsolutePath().toString(), "--save", "", "--logfile", ""));
    command.addAll(options.persistent()
        ? List.of("--appendonly", "yes", "--appendfsync", "everysec")
        : List.of("--appendonly", "no"));
    ChildProcess process;
    try {
      Files.createDirectories(dataDir);
      process = ChildProcess.start("redis", command, dataDir, logFile, Duration.ofSeconds(10),
          ChildProcess.GracefulStop.TERMINATE);
    } catch (IOException e) {
      throw new DevServiceException("Cannot start " + executable + " in " + dataDir + ": " + e.getMessage()
          + ". Check that the file is executable and the directory writable.", e);
    }
    ChildProcess.Outcome outcome;
    try {
      outcome = process.awaitLine(READY, options.startupTimeout());
    } catch (IOException | InterruptedException e) {
      process.kill();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new DevServiceException("Stopped waiting for the Redis dev server: " + e, e);
    }
    if (!(outcome instanceof ChildProcess.Matched)) {
      process.kill();
      String what = outcome instanceof ChildProcess.Exited exited
          ? "exited with code " + exited.exitCode() + " before it was ready"
          : "did not get ready within " + options.startupTimeout();
      throw new DevServiceException("The Redis dev server on port " + port + " " + what + ". Its log " + logFile
          + " ends with:\n" + LogTail.describeLastLines(logFile, 40)
          + "\nFix the cause above, or put a working redis-server on the PATH.");
    }
    RedisDevServer server = new RedisDevServer(process, new RedisEndpoint("127.0.0.1", port));
    log.info("Redis dev server ready at {} ({}, log {})", server.endpoint.uri(), executable, logFile);
    return server;
  }

  private static Path executable() {
    Optional<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .map(dir -> Path.of(dir, "redis-server"))
        .filter(Files::isExecutable)
        .findFirst();
    if (onPath.isPresent()) {
      return onPath.get();
    }
    try {
      return ExecutableProvider.newJarResourceProvider().get().toPath();
    } catch (IOException | RuntimeException e) {
      throw new DevServiceException("No redis-server on the PATH, and the embedded-redis jar has no binary for "
          + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + e.getMessage()
          + ". Install Redis (e.g. apt-get install redis-server) or point at an external Redis.", e);
    }
  }
}
