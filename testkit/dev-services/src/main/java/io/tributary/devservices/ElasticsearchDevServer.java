package io.tributary.devservices;

import io.tributary.devservices.internal.BundledClassPath;
import io.tributary.devservices.internal.ChildProcess;
import io.tributary.devservices.internal.DirectoryLock;
import io.tributary.devservices.internal.LogTail;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
 */
public final class ElasticsearchDevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ElasticsearchDevServer.class);

  private static final String HOST = "127.0.0.1";
  private static final String NODE_RESOURCES = "META-INF/tributary/es-node";
  private static final String NODE_ARTIFACT = "io.tributary:tributary-dev-elasticsearch";
  // the protocol with the child; see package-info.java of io.tributary.devservices.internal.esnode
  private static final String NODE_MAIN =
      "io.tributary.devservices.internal.esnode.ElasticsearchNodeMain";
  private static final String SETTING_PROPERTY_PREFIX = "tributary.es.setting.";
  private static final Pattern PROTOCOL_LINE = Pattern.compile("TRIBUTARY-ES-(READY|FAILED) ?(.*)");
  private static final Pattern READY_PORT = Pattern.compile("http=(\\d+)");

  private static final String DATA_DIR_LOCK = "dev-server.lock";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final int LOG_LINES_IN_ERRORS = 40;

  private final ChildProcess child;
  private final DirectoryLock dataDirLock;
  private final int httpPort;

  private ElasticsearchDevServer(ChildProcess child, DirectoryLock dataDirLock, int httpPort) {
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
    List<Path> classPath = nodeClassPath();
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
    Path dataDir = options.dataDir();
    Path logFile = dataDir.resolve("elasticsearch.log");
    try {
      for (String dir : List.of("home", "data", "tmp")) {
        Files.createDirectories(dataDir.resolve(dir));
      }
    } catch (IOException e) {
      throw new DevServiceException("Cannot prepare the Elasticsearch dev node's directory "
          + dataDir + ": " + e + ". Check that it is writable, or choose another dataDir.", e);
    }
    long startedAt = System.nanoTime();
    ChildProcess child;
    List<String> command = command(options, classPath);
    try {
      child = ChildProcess.start("elasticsearch", command, dataDir, logFile, STOP_TIMEOUT);
    } catch (IOException e) {
      throw new DevServiceException("Cannot launch the Elasticsearch dev node's JVM "
          + command.getFirst() + ": " + e + ". Check that this JDK's bin/java can be run, and that"
          + " " + logFile + " can be written.", e);
    }
    boolean ready = false;
    try {
      int port = awaitReady(child, options);
      ready = true;
      log.info("Elasticsearch dev node ready at http://{}:{} after {} ms (pid {}, log {})", HOST,
          port, Duration.ofNanos(System.nanoTime() - startedAt).toMillis(), child.pid(), logFile);
      return new ElasticsearchDevServer(child, lock, port);
    } finally {
      if (!ready) {
        child.close();
      }
    }
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
  public Path logFile() {
    return child.logFile();
  }

  /**
   * Stops the node: asks the child to close the node, waits up to 30 s, then kills it, and frees
   * the data directory for the next start. Returns when the child is gone. Idempotent. If the
   * calling thread is interrupted, the child is killed at once and the interrupt flag stays set.
   *
   * @throws DevServiceException only if the data directory's lock file cannot be closed, after the
   *     child is gone; the lock is then released when this JVM exits
   */
  @Override
  public void close() {
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

  private static List<Path> nodeClassPath() {
    ClassLoader loader = ElasticsearchDevServer.class.getClassLoader();
    Path cacheRoot = Path.of(System.getProperty("java.io.tmpdir"));
    try {
      BundledClassPath bundle = BundledClassPath.find(loader, NODE_RESOURCES)
          .orElseThrow(() -> new DevServiceException("The Elasticsearch dev node's jars are not on"
              + " the class path: there is no resource " + NODE_RESOURCES + "/classpath.idx. Add a"
              + " runtime dependency on " + NODE_ARTIFACT + " (tributary-dev-services declares one;"
              + " check that it was not excluded)."));
      return bundle.materialize(cacheRoot, "tributary-es-node");
    } catch (IOException e) {
      throw new DevServiceException("Cannot prepare the Elasticsearch dev node's class path: "
          + e.getMessage() + ". If the cause is disk space or permissions under " + cacheRoot
          + ", fix it or point java.io.tmpdir elsewhere.", e);
    }
  }

  private static List<String> command(Options options, List<Path> classPath) {
    Path dataDir = options.dataDir();
    Map<String, String> settings = new TreeMap<>();
    settings.put("cluster.name", "tributary-dev");
    settings.put("node.name", "tributary-dev");
    settings.put("http.port", "0");
    settings.put("transport.port", "0");
    // a dev machine with a nearly full disk must not turn the node read-only
    settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    settings.putAll(options.settings());
    settings.put("discovery.type", "single-node");
    settings.put("network.host", HOST);
    settings.put("path.home", dataDir.resolve("home").toString());
    settings.put("path.data", dataDir.resolve("data").toString());

    List<String> command = new ArrayList<>();
    // the same JDK as this JVM: it is new enough, and the user chose it
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms" + options.heap());
    command.add("-Xmx" + options.heap());
    command.add("-XX:+ExitOnOutOfMemoryError");
    // Elasticsearch calls native code through the FFM API, and Netty uses sun.misc.Unsafe
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-Djava.io.tmpdir=" + dataDir.resolve("tmp"));
    // native libraries are looked up under <es.path.home>/lib/platform; without it the lookup fails
    // with a NullPointerException instead of naming the missing library
    command.add("-Des.path.home=" + dataDir.resolve("home"));
    settings.forEach(
        (key, value) -> command.add("-D" + SETTING_PROPERTY_PREFIX + key + "=" + value));
    command.add("-cp");
    command.add(classPath.stream()
        .map(Path::toString)
        .collect(Collectors.joining(File.pathSeparator)));
    command.add(NODE_MAIN);
    return command;
  }

  /** Returns the HTTP port, or stops the child and throws. */
  private static int awaitReady(ChildProcess child, Options options) {
    Duration timeout = options.startupTimeout();
    ChildProcess.Outcome outcome;
    try {
      outcome = child.awaitLine(PROTOCOL_LINE, timeout);
    } catch (IOException e) {
      child.kill();
      throw startFailure(options, child, "cannot be watched: its log cannot be read (" + e + ")",
          "Check the disk and permissions of the data directory.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      child.kill();
      throw startFailure(options, child, "was interrupted while starting",
          "The thread that called start() was interrupted; the child JVM was killed.");
    }
    switch (outcome) {
      case ChildProcess.Matched matched when matched.match().group(1).equals("READY") -> {
        Matcher port = READY_PORT.matcher(matched.match().group(2));
        if (port.find()) {
          return Integer.parseInt(port.group(1));
        }
        child.close();
        throw startFailure(options, child, "reported ready without a port: '" + matched.line() + "'",
            "Use matching versions of tributary-dev-services and " + NODE_ARTIFACT + ".");
      }
      case ChildProcess.Matched matched -> {
        child.close();
        throw startFailure(options, child, "failed to start: " + matched.match().group(2),
            "Fix the cause above. Extra node settings come from ElasticsearchDevServer.Options"
                + ".settings(); only Elasticsearch's core modules and transport-netty4 are present"
                + " (no plugins, no painless).");
      }
      case ChildProcess.Exited exited -> {
        child.close();
        throw startFailure(options, child,
            "exited with status " + exited.exitCode() + " before it was ready",
            "Read the log below: a JVM that cannot start (an unknown JVM option, or no memory for"
                + " -Xmx" + options.heap() + ") ends this way.");
      }
      case ChildProcess.TimedOut() -> {
        // a graceful stop would let a slow node finish starting first
        child.kill();
        throw startFailure(options, child, "did not become ready within " + describe(timeout)
                + "; the child JVM was killed",
            "On a slow or busy machine raise Options.startupTimeout; if the log shows long garbage"
                + " collections, raise Options.heap.");
      }
    }
  }

  private static String describe(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static DevServiceException startFailure(
      Options options, ChildProcess child, String what, String whatToDo) {
    Path logFile = child.logFile();
    String nl = System.lineSeparator();
    return new DevServiceException("The Elasticsearch dev node in " + options.dataDir() + " " + what
        + "." + nl + whatToDo + nl + "Log: " + logFile + "; its last " + LOG_LINES_IN_ERRORS
        + " lines:" + nl + LogTail.describeLastLines(logFile, LOG_LINES_IN_ERRORS));
  }
}
