package io.tributary.devservices;

import io.tributary.devservices.internal.ChildProcess;
import io.tributary.devservices.internal.FreePorts;
import io.tributary.devservices.internal.LogTail;
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
 * to disk, except the snapshot that carries the data over a {@link #stop()}. The child is stopped
 * by {@link #close()} or, failing that, when this JVM exits.
 *
 * <p><b>Outages.</b> {@link #stop()} takes the server away and {@link #restart()} brings it back on
 * the same port and data directory with the data it held, so a test can show what its clients do
 * while Redis is gone: connections are refused until the restart, as with a real server that is
 * restarted. Lifecycle: {@code RUNNING -stop-> STOPPED -restart-> RUNNING}; {@code restart} on a
 * running server stops it first; {@code close} from either state ends it for good, and a stopped or
 * restarted closed server is an {@link IllegalStateException}. All methods are thread-safe.
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
  private static final String HOST = "127.0.0.1";
  /** Where a non-persistent server saves its data over a stop: Redis's default RDB file name. */
  private static final String SNAPSHOT = "dump.rdb";
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  /** A restart retries a refused bind for up to this long: the old socket may linger briefly. */
  private static final Duration REBIND_WAIT = Duration.ofSeconds(10);

  private final Options options;
  private final Path executable;
  private final RedisEndpoint endpoint;
  private ChildProcess process; // guarded by this
  private boolean running = true; // guarded by this
  private boolean closed; // guarded by this

  private RedisDevServer(Options options, Path executable, ChildProcess process, RedisEndpoint endpoint) {
    this.options = options;
    this.executable = executable;
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
    if (!options.persistent()) {
      deleteSnapshot(options.dataDir());
    }
    DevServiceException last = null;
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int port = FreePorts.next();
      try {
        ChildProcess process = launch(options, executable, port);
        RedisDevServer server = new RedisDevServer(options, executable, process, new RedisEndpoint(HOST, port));
        log.info("Redis dev server ready at {} ({}, log {})", server.endpoint.uri(), executable, process.logFile());
        return server;
      } catch (DevServiceException e) {
        if (!isBindFailure(e)) {
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

  /** @return {@code true} unless stopped or closed */
  public synchronized boolean isRunning() {
    return running;
  }

  /**
   * Takes the server away, keeping its port, data directory and data for {@link #restart()}: a
   * persistent server writes its append-only file on SIGTERM, an in-memory one is told {@code
   * SHUTDOWN SAVE} and leaves a snapshot ({@code dump.rdb}) that the restart loads. Clients see
   * refused connections until then. Idempotent while stopped.
   *
   * @throws IllegalStateException if the server is closed
   * @throws DevServiceException if the in-memory server could not save its data; it is stopped all
   *     the same, and a restart comes back empty
   */
  public synchronized void stop() {
    checkOpen("stop");
    if (!running) {
      return;
    }
    running = false;
    if (options.persistent()) {
      process.close();
      log.info("Redis dev server at {} stopped; its append-only file is kept for a restart", endpoint.uri());
      return;
    }
    IOException saveFailure = null;
    try {
      shutDownSaving();
      if (!process.awaitExit(SHUTDOWN_TIMEOUT)) {
        saveFailure = new IOException("the server did not exit within " + SHUTDOWN_TIMEOUT + " of SHUTDOWN SAVE");
      }
    } catch (IOException e) {
      saveFailure = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      saveFailure = new IOException("interrupted while the server saved its data", e);
    } finally {
      process.close();
    }
    if (saveFailure != null) {
      throw new DevServiceException("The Redis dev server at " + endpoint.uri() + " is stopped, but it could not"
          + " save its data first (" + saveFailure.getMessage() + "), so a restart comes back empty. Its log "
          + process.logFile() + " ends with:\n" + LogTail.describeLastLines(process.logFile(), 20), saveFailure);
    }
    log.info("Redis dev server at {} stopped; its data is saved in {} for a restart", endpoint.uri(),
        options.dataDir().resolve(SNAPSHOT));
  }

  /**
   * Starts the server again on the same port and data directory, with the data it held when it
   * stopped, and waits until it accepts connections; a running server is stopped first. A port
   * still held by the old socket is retried for up to 10 s.
   *
   * @throws IllegalStateException if the server is closed
   * @throws DevServiceException if it does not get ready, or another process took the port; the
   *     server then stays stopped and a later restart may be tried
   */
  public synchronized void restart() {
    checkOpen("restart");
    stop();
    long deadline = System.nanoTime() + REBIND_WAIT.toNanos();
    while (true) {
      try {
        process = launch(options, executable, endpoint.port());
        break;
      } catch (DevServiceException e) {
        if (!isBindFailure(e) || System.nanoTime() - deadline > 0) {
          throw e;
        }
        pause(Duration.ofMillis(200));
      }
    }
    running = true;
    if (!options.persistent()) {
      // loaded at start-up; an in-memory server keeps nothing on disk while it runs
      deleteSnapshot(options.dataDir());
    }
    log.info("Redis dev server restarted at {} (log {})", endpoint.uri(), process.logFile());
  }

  /**
   * Stops the server for good with SIGTERM (it writes its append-only file first, if persistent)
   * and waits for it, killing it after 10 s. Idempotent, also after {@link #stop()}.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    process.close();
    if (!options.persistent()) {
      deleteSnapshot(options.dataDir());
    }
  }

  private void checkOpen(String action) {
    if (closed) {
      throw new IllegalStateException("Cannot " + action + " the Redis dev server at " + endpoint.uri()
          + ": it is closed. Start a new one with RedisDevServer.start(options).");
    }
  }

  /** Sends {@code SHUTDOWN SAVE} in the Redis protocol; the server closes the connection once saved. */
  private void shutDownSaving() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, endpoint.port()), 5_000);
      socket.setSoTimeout((int) SHUTDOWN_TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write("*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(200);
      if (reply.length > 0) {
        // a reply at all means it refused: "-ERR Errors trying to SHUTDOWN. Check logs."
        throw new IOException("Redis answered SHUTDOWN SAVE with '"
            + new String(reply, StandardCharsets.UTF_8).strip() + "'");
      }
    }
  }

  private static boolean isBindFailure(DevServiceException e) {
    return e.getMessage() != null && e.getMessage().contains("Address already in use");
  }

  private static void deleteSnapshot(Path dataDir) {
    try {
      Files.deleteIfExists(dataDir.resolve(SNAPSHOT));
    } catch (IOException e) {
      throw new DevServiceException("Cannot delete the Redis snapshot " + dataDir.resolve(SNAPSHOT) + ": " + e
          + ". An in-memory dev server must not load old data; delete it by hand or choose another dataDir.", e);
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DevServiceException("Interrupted while restarting the Redis dev server", e);
    }
  }

  /** Starts the child on {@code port} and waits until it is ready; on failure no child is left running. */
  private static ChildProcess launch(Options options, Path executable, int port) {
    Path dataDir = options.dataDir();
    Path logFile = dataDir.resolve("redis.log");
    List<String> command = new ArrayList<>(List.of(
        executable.toString(), "--port", String.valueOf(port), "--bind", HOST,
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
    return process;
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
