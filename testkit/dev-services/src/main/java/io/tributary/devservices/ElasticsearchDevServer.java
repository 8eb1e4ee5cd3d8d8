package io.tributary.devservices;

import io.tributary.devservices.internal.ChildProcess;
import io.tributary.devservices.internal.DirectoryLock;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Elasticsearch 9 node, single-node cluster, serving HTTP on 127.0.0.1 at a free port. It
 * runs in a child JVM started from the jars of {@code io.tributary:tributary-dev-elasticsearch},
 * which must be on the class path (it is a runtime dependency of this module); no Elasticsearch
 * class is loaded into this JVM. Only Elasticsearch's core modules are present: no plugins, no
 * painless scripts, no language analyzers.
 *
 * <p>The node keeps its indices in {@link Options#dataDir()}, so a dev-mode service finds them
 * again after a restart (the port may change). Its stdout and stderr go to {@link #logFile()}.
 * Start-up takes about 6 s and the child about 350 MB of memory with the default heap: start one
 * node per build or JVM and share it.
 *
 * <p>The child stops when {@link #close()} is called, when this JVM exits normally (a shutdown
 * hook), and when this JVM dies abruptly (the child watches its stdin, which then reaches end of
 * file). All methods are thread-safe.
 *
 * <p><b>Outages.</b> {@link #stop()} closes the node but keeps its data directory (and its lock)
 * and port; {@link #restart()} starts a new child on the same port and directory, which recovers
 * the indices from disk. Clients see refused connections in between. Lifecycle: {@code RUNNING
 * -stop-> STOPPED -restart-> RUNNING}; {@code restart} on a running node stops it first; {@code
 * close} from either state ends it for good, after which {@code stop} and {@code restart} throw
 * {@link IllegalStateException}.
 */
public final class ElasticsearchDevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ElasticsearchDevServer.class);

  private static final String HOST = ElasticsearchLauncher.HOST;
  private static final String DATA_DIR_LOCK = "dev-server.lock";
  /** A restart retries a refused bind for up to this long: the old socket may linger briefly. */
  private static final Duration REBIND_WAIT = Duration.ofSeconds(20);

  private final Options options;
  private final List<Path> classPath;
  private final DirectoryLock dataDirLock;
  private final int httpPort;
  private ChildProcess child; // guarded by this
  private boolean running = true; // guarded by this
  private boolean closed; // guarded by this

  private ElasticsearchDevServer(
      Options options, List<Path> classPath, ChildProcess child, DirectoryLock dataDirLock, int httpPort) {
    this.options = options;
    this.classPath = classPath;
    this.child = child;
    this.dataDirLock = dataDirLock;
    this.httpPort = httpPort;
  }

  /**
   * How to start the node. Immutable; the {@code withX} methods return changed copies.
   *
   * @param dataDir the node's directory, created if absent: indices in {@code data/}, the log in
   *     {@code elasticsearch.log}. Made absolute. One running node per directory: a start on a
   *     directory in use fails.
   * @param startupTimeout how long {@link #start} waits for the node to be ready; positive
   * @param heap the child JVM's heap, as for {@code -Xmx}: digits and a unit, such as {@code 512m}
   * @param settings extra node settings, such as {@code http.port} or {@code
   *     action.auto_create_index}. They are applied after the defaults ({@code cluster.name} and
   *     {@code node.name} {@code tributary-dev}, {@code http.port} and {@code transport.port} 0 for a
   *     free port, disk-based shard allocation off), so they may replace them, except the settings
   *     this class relies on: {@code path.home}, {@code path.data}, {@code network.host}, {@code
   *     http.host} and {@code discovery.type}. Unknown settings make {@link #start} fail.
   */
  public record Options(
      Path dataDir, Duration startupTimeout, String heap, Map<String, String> settings) {
    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]");
    private static final Set<String> RESERVED_SETTINGS =
        Set.of("path.home", "path.data", "network.host", "http.host", "discovery.type");

    /**
     * Checks and normalises the values, as described on the record.
     *
     * @throws IllegalArgumentException if a value is out of range; the message says which and why
     */
    public Options {
      dataDir = dataDir.toAbsolutePath().normalize();
      if (startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException(
            "startupTimeout must be positive, not " + startupTimeout + "; the default is 90 s");
      }
      if (!HEAP.matcher(heap).matches()) {
        throw new IllegalArgumentException("heap '" + heap + "' is not a JVM heap size; give digits"
            + " and a unit (k, m or g), such as 512m");
      }
      for (Map.Entry<String, String> setting : settings.entrySet()) {
        Objects.requireNonNull(
            setting.getValue(), () -> "setting " + setting.getKey() + " is null");
        if (RESERVED_SETTINGS.contains(setting.getKey())) {
          throw new IllegalArgumentException("Setting '" + setting.getKey() + "' is managed by"
              + " ElasticsearchDevServer, which binds 127.0.0.1 as a single node and keeps its files"
              + " in dataDir; remove it from the settings (managed: "
              + new TreeSet<>(RESERVED_SETTINGS) + ")");
        }
      }
      settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** @return a 90 s start-up timeout, a 512 MiB heap and no extra settings */
    public static Options defaults(Path dataDir) {
      return new Options(dataDir, Duration.ofSeconds(90), "512m", Map.of());
    }

    /** @return a copy with {@code dataDir} replaced */
    public Options withDataDir(Path dataDir) {
      return new Options(dataDir, startupTimeout, heap, settings);
    }

    /** @return a copy with {@code startupTimeout} replaced */
    public Options withStartupTimeout(Duration startupTimeout) {
      return new Options(dataDir, startupTimeout, heap, settings);
    }

    /** @return a copy with {@code heap} replaced */
    public Options withHeap(String heap) {
      return new Options(dataDir, startupTimeout, heap, settings);
    }

    /** @return a copy whose extra settings are exactly {@code settings} */
    public Options withSettings(Map<String, String> settings) {
      return new Options(dataDir, startupTimeout, heap, settings);
    }
  }

  /**
   * Starts the child JVM and waits until the node answers cluster health with status yellow or
   * green. Blocks the calling thread for up to {@link Options#startupTimeout()}.
   *
   * @return the running node; close it when done
   * @throws DevServiceException if the node's jars are not on the class path, the data directory
   *     is used by another node or cannot be prepared, the child cannot be launched, the node reports that it cannot start, the
   *     child exits early, or the node is not ready in time. Failures are reported as soon as they
   *     happen, not at the timeout. The message names the cause, the log file with its last lines
   *     and what to do; no child process is left running.
   */
  public static ElasticsearchDevServer start(Options options) {
    List<Path> classPath = ElasticsearchLauncher.nodeClassPath();
    DirectoryLock lock = lockDataDir(options.dataDir());
    try {
      return startLocked(options, classPath, lock);
    } catch (RuntimeException | Error e) {
      try {
        lock.close();
      } catch (IOException releaseFailure) {
        e.addSuppressed(releaseFailure);
      }
      throw e;
    }
  }

  private static ElasticsearchDevServer startLocked(
      Options options, List<Path> classPath, DirectoryLock lock) {
    ElasticsearchLauncher.Launched launched = ElasticsearchLauncher.launch(options, classPath);
    return new ElasticsearchDevServer(options, classPath, launched.child(), lock, launched.port());
  }

  /** @return the address the node listens on, always {@code 127.0.0.1} */
  public String host() {
    return HOST;
  }

  /** @return the node's HTTP port, chosen at start */
  public int httpPort() {
    return httpPort;
  }

  /** @return {@code http://127.0.0.1:<port>}, the base URI for REST clients */
  public URI httpUri() {
    return endpoint().httpUri();
  }

  /** @return host and HTTP port as one value */
  public ElasticsearchEndpoint endpoint() {
    return new ElasticsearchEndpoint(HOST, httpPort);
  }

  /** @return the file with the child JVM's stdout and stderr; look here when the node misbehaves */
  public synchronized Path logFile() {
    return child.logFile();
  }

  /** @return {@code true} unless stopped or closed */
  public synchronized boolean isRunning() {
    return running;
  }

  /**
   * Takes the node away as {@link #close()} does, but keeps the data directory, its lock and the
   * port for {@link #restart()}. Returns when the child is gone. Idempotent while stopped.
   *
   * @throws IllegalStateException if the node is closed
   */
  public synchronized void stop() {
    checkOpen("stop");
    if (running) {
      running = false;
      child.close();
      log.info("Elasticsearch dev node at http://{}:{} stopped; its data is kept for a restart", HOST, httpPort);
    }
  }

  /**
   * Starts the node again on the same HTTP port and data directory and waits until it is ready
   * (cluster health yellow or green, its indices recovered from disk); a running node is stopped
   * first. A port still held by the old socket is retried for up to 20 s.
   *
   * @throws IllegalStateException if the node is closed
   * @throws DevServiceException as for {@link #start}, or if another process took the port; the
   *     node then stays stopped and a later restart may be tried
   */
  public synchronized void restart() {
    checkOpen("restart");
    stop();
    Map<String, String> settings = new TreeMap<>(options.settings());
    settings.put("http.port", String.valueOf(httpPort));
    Options samePort = options.withSettings(settings);
    long startedAt = System.nanoTime();
    long deadline = startedAt + REBIND_WAIT.toNanos();
    while (true) {
      try {
        child = ElasticsearchLauncher.launch(samePort, classPath).child();
        break;
      } catch (DevServiceException e) {
        boolean bindFailure = e.getMessage() != null && e.getMessage().contains("BindException");
        if (!bindFailure || System.nanoTime() - deadline > 0) {
          throw e;
        }
        log.info("Elasticsearch dev node cannot bind port {} yet, retrying", httpPort);
        try {
          Thread.sleep(500);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new DevServiceException("Interrupted while restarting the Elasticsearch dev node", interrupted);
        }
      }
    }
    running = true;
    log.info("Elasticsearch dev node restarted at http://{}:{} after {} ms", HOST, httpPort,
        Duration.ofNanos(System.nanoTime() - startedAt).toMillis());
  }

  private void checkOpen(String action) {
    if (closed) {
      throw new IllegalStateException("Cannot " + action + " the Elasticsearch dev node at http://" + HOST + ":"
          + httpPort + ": it is closed. Start a new one with ElasticsearchDevServer.start(options).");
    }
  }

  /**
   * Stops the node for good: asks the child to close the node, waits up to 30 s, then kills it, and
   * frees the data directory for the next start. Returns when the child is gone. Idempotent, also
   * after {@link #stop()}. If the
   * calling thread is interrupted, the child is killed at once and the interrupt flag stays set.
   *
   * @throws DevServiceException only if the data directory's lock file cannot be closed, after the
   *     child is gone; the lock is then released when this JVM exits
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    running = false;
    child.close();
    try {
      dataDirLock.close();
    } catch (IOException e) {
      throw new DevServiceException("The Elasticsearch dev node stopped, but its data directory"
          + " lock " + dataDirLock.lockFile() + " cannot be released: " + e + ". It is released"
          + " when this JVM exits; until then start other nodes in another dataDir.", e);
    }
  }

  private static DirectoryLock lockDataDir(Path dataDir) {
    try {
      return DirectoryLock.tryAcquire(dataDir, DATA_DIR_LOCK)
          .orElseThrow(() -> new DevServiceException("The data directory " + dataDir + " is in use"
              + " by another Elasticsearch dev node, in this JVM or another process (it holds "
              + dataDir.resolve(DATA_DIR_LOCK) + "). Close that node, or give this one another"
              + " dataDir."));
    } catch (IOException e) {
      throw new DevServiceException("Cannot lock the Elasticsearch dev node's directory " + dataDir
          + ": " + e + ". Check that it is writable, or choose another dataDir.", e);
    }
  }
}
