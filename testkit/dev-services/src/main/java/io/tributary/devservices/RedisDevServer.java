package io.tributary.devservices;

import io.tributary.devservices.internal.FreePorts;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
   * @param startupTimeout how long to wait for the server to answer {@code PING}
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

  private final Process process;
  private final RedisEndpoint endpoint;
  private final Thread shutdownHook;
  private boolean closed;

  private RedisDevServer(Process process, RedisEndpoint endpoint) {
    this.process = process;
    this.endpoint = endpoint;
    this.shutdownHook = new Thread(process::destroyForcibly, "redis-dev-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the server and waits until it answers {@code PING}.
   *
   * @throws DevServiceException if no binary can be found for this platform, or the server exits or
   *     does not answer in time; the message carries the end of its log and what to do
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

  /** Stops the server (it writes its append-only file first, if persistent) and waits for it. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      removeShutdownHook();
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the JVM is exiting and runs the hook itself
    }
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
    Process process;
    try {
      Files.createDirectories(dataDir);
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(logFile.toFile())
          .start();
    } catch (IOException e) {
      throw new DevServiceException("Cannot start " + executable + " in " + dataDir + ": " + e.getMessage()
          + ". Check that the file is executable and the directory writable.", e);
    }
    RedisDevServer server = new RedisDevServer(process, new RedisEndpoint("127.0.0.1", port));
    try {
      server.awaitPong(options.startupTimeout(), logFile);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    log.info("Redis dev server ready at {} ({}, log {})", server.endpoint.uri(), executable, logFile);
    return server;
  }

  private void awaitPong(Duration timeout, Path logFile) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new DevServiceException("The Redis dev server exited with code " + process.exitValue()
            + " before it answered. Its log " + logFile + " ends with:\n" + tail(logFile)
            + "\nFix the cause above, or put a working redis-server on the PATH.");
      }
      if (answersPing()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DevServiceException("Interrupted while waiting for the Redis dev server", e);
      }
    }
    throw new DevServiceException("The Redis dev server on port " + endpoint.port() + " did not answer PING within "
        + timeout + ". Its log " + logFile + " ends with:\n" + tail(logFile));
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException notYet) {
      return false;
    }
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

  private static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
