package io.tributary.benchmarks;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.tributary.devservices.KafkaDevServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The one broker of a benchmark run: a {@link KafkaDevServer} either in this JVM ({@code
 * bench.broker-jvm=shared}, the default), or in a JVM of its own started as a child of this one
 * ({@code bench.broker-jvm=own}: the broker's heap, collections and allocations stay out of the JVM
 * whose latency is measured, as in production). Both systems use the same broker either way. On two
 * cores the broker's own JVM made Tributary's latency worse, not better (benchmarks/README.md).
 */
sealed interface BenchBroker extends AutoCloseable {
  String bootstrapServers();

  /** @return the CPU time the broker's own process used so far; 0 when it shares this process */
  long ownProcessCpuNanos();

  /** @return where the broker runs, for the settings line */
  String describe();

  /** @return the MBeans of the broker's JVM, for its request metrics ({@link BrokerErrors}) */
  MBeanServerConnection metrics();

  @Override
  void close() throws Exception;

  /**
   * Starts the broker that {@code bench.broker-jvm} asks for, under {@code dataDir}, with the dev
   * server's settings replaced or extended by {@code overrides}.
   */
  static BenchBroker start(Path dataDir, Map<String, String> overrides) throws Exception {
    String jvm = System.getProperty("bench.broker-jvm", "shared");
    return switch (jvm) {
      case "own" -> ChildBroker.start(dataDir, overrides);
      case "shared" -> new SharedBroker(
          KafkaDevServer.start(KafkaDevServer.Options.defaults(dataDir.resolve("kafka")).withOverrides(overrides)));
      default -> throw new IllegalArgumentException("bench.broker-jvm is '" + jvm + "'; use own (the broker in a"
          + " child JVM) or shared (in the benchmark's JVM).");
    };
  }

  /** The broker in this JVM. */
  record SharedBroker(KafkaDevServer server) implements BenchBroker {
    @Override
    public String bootstrapServers() {
      return server.bootstrapServers();
    }

    @Override
    public long ownProcessCpuNanos() {
      return 0;
    }

    @Override
    public String describe() {
      return "in the benchmark's JVM";
    }

    @Override
    public MBeanServerConnection metrics() {
      return ManagementFactory.getPlatformMBeanServer();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /**
   * The broker in a child JVM running {@link Main}. Its output goes to a log file of its own in the
   * temporary directory, kept after the run; its errors are echoed.
   */
  final class ChildBroker implements BenchBroker {
    private static final String READY = "BENCH-BROKER READY ";
    private static final Pattern ECHOED = Pattern.compile(" ERROR |Exception");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final Process process;
    private final String bootstrapServers;
    private final Path log;
    private final String heap;
    private final JMXConnector jmx;

    private ChildBroker(Process process, String bootstrapServers, Path log, String heap, JMXConnector jmx) {
      this.process = process;
      this.bootstrapServers = bootstrapServers;
      this.log = log;
      this.heap = heap;
      this.jmx = jmx;
    }

    static ChildBroker start(Path dataDir, Map<String, String> overrides) throws Exception {
      Path log = Files.createTempFile("tributary-bench-broker-", ".log");
      String heap = System.getProperty("bench.broker-heap", "2g");
      List<String> options = new ArrayList<>();
      overrides.forEach((name, value) -> options.add("-D" + BROKER_OVERRIDE + name + "=" + value));
      Process process = ChildJvm.start(ChildJvm.command(heap, options, Main.class,
          List.of(dataDir.resolve("kafka").toString())), "the broker's JVM");
      CompletableFuture<String> ready = new CompletableFuture<>();
      ChildJvm.pump(process, log, "bench-broker-output", line -> {
        if (line.startsWith(READY)) {
          ready.complete(line.substring(READY.length()).strip());
        } else if (ECHOED.matcher(line).find()) {
          Progress.print("    [broker] %s", line.length() > 300 ? line.substring(0, 300) + "..." : line);
        }
      }, error -> ready.completeExceptionally(new IllegalStateException(error == null ? "its output ended" : error.toString())));
      try {
        String bootstrapServers = ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        // connected now, before any measured window: the child's management agent starts on the first attach
        return new ChildBroker(process, bootstrapServers, log, heap, connect(process));
      } catch (Exception e) {
        ChildJvm.kill(process);
        throw new IllegalStateException("The broker's JVM did not start within " + START_TIMEOUT.toSeconds() + " s ("
            + (e instanceof ExecutionException ? e.getCause().getMessage() : e.toString()) + "); see " + log
            + ". Run with -Dbench.broker-jvm=shared to start the broker in this JVM instead.", e);
      }
    }

    /**
     * Connects to the child's MBeans through the JDK's attach mechanism: the child starts its local
     * management agent, which listens to this machine only, and no port is configured.
     */
    private static JMXConnector connect(Process process) throws IOException, AttachNotSupportedException {
      VirtualMachine vm = VirtualMachine.attach(Long.toString(process.pid()));
      try {
        return JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
      } finally {
        vm.detach();
      }
    }

    @Override
    public String bootstrapServers() {
      return bootstrapServers;
    }

    @Override
    public long ownProcessCpuNanos() {
      return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Override
    public String describe() {
      return "in a JVM of its own (pid " + process.pid() + ", -Xmx" + heap + ", log " + log + ")";
    }

    @Override
    public MBeanServerConnection metrics() {
      try {
        return jmx.getMBeanServerConnection();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read the metrics of the broker's JVM (pid " + process.pid() + "): "
            + e.getMessage() + "; see " + log + ".", e);
      }
    }

    /** Asks the broker to close (it flushes its logs), and kills it if it has not within 60 s. */
    @Override
    public void close() throws InterruptedException {
      try {
        jmx.close();
      } catch (IOException e) {
        // the connection ends with the child either way
      }
      ChildJvm.close(process, "broker", 60);
    }
  }

  /** The prefix of the system properties that carry the broker's settings into its child JVM. */
  String BROKER_OVERRIDE = "bench.broker.";

  /**
   * The child JVM's entry point: starts a {@link KafkaDevServer} in the directory given as the one
   * argument, with {@code bench.broker.<setting>} system properties over its defaults, says {@code
   * BENCH-BROKER READY <bootstrap servers>}, and runs until its standard input says {@code close} or
   * ends.
   */
  final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
      if (args.length != 1) {
        throw new IllegalArgumentException("Usage: BenchBroker$Main <data dir>; got " + args.length + " arguments.");
      }
      Map<String, String> overrides = new java.util.LinkedHashMap<>();
      System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith(BROKER_OVERRIDE))
          .forEach(name -> overrides.put(name.substring(BROKER_OVERRIDE.length()), System.getProperty(name)));
      try (KafkaDevServer server = KafkaDevServer.start(
          KafkaDevServer.Options.defaults(Path.of(args[0])).withOverrides(overrides))) {
        System.out.println(ChildBroker.READY + server.bootstrapServers());
        System.out.flush();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (!ChildJvm.closes(input.readLine())) {
          // wait for the benchmark's word, or for it to end
        }
      }
      System.exit(0);
    }
  }
}
