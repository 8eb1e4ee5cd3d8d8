package io.tributary.devservices;

import io.tributary.devservices.ElasticsearchDevServer.Options;
import io.tributary.devservices.internal.BundledClassPath;
import io.tributary.devservices.internal.ChildProcess;
import io.tributary.devservices.internal.LogTail;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the child JVM of an {@link ElasticsearchDevServer} and waits for the node's protocol
 * line; used for the first start and for every restart. Stateless.
 */
final class ElasticsearchLauncher {
  private static final Logger log = LoggerFactory.getLogger(ElasticsearchDevServer.class);

  static final String HOST = "127.0.0.1";
  private static final String NODE_RESOURCES = "META-INF/tributary/es-node";
  private static final String NODE_ARTIFACT = "io.tributary:tributary-dev-elasticsearch";
  // the protocol with the child; see package-info.java of io.tributary.devservices.internal.esnode
  private static final String NODE_MAIN =
      "io.tributary.devservices.internal.esnode.ElasticsearchNodeMain";
  private static final String SETTING_PROPERTY_PREFIX = "tributary.es.setting.";
  private static final Pattern PROTOCOL_LINE = Pattern.compile("TRIBUTARY-ES-(READY|FAILED) ?(.*)");
  private static final Pattern READY_PORT = Pattern.compile("http=(\\d+)");
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final int LOG_LINES_IN_ERRORS = 40;

  private ElasticsearchLauncher() {}

  /** A child whose node is ready, and its HTTP port. */
  record Launched(ChildProcess child, int port) {}

  /** Starts a child with {@code options} and waits until it is ready; on failure no child is left. */
  static Launched launch(Options options, List<Path> classPath) {
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
      return new Launched(child, port);
    } finally {
      if (!ready) {
        child.close();
      }
    }
  }

  static List<Path> nodeClassPath() {
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
