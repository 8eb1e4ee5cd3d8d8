package io.tributary.benchmarks;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import io.tributary.devservices.KafkaDevServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.jspecify.annotations.Nullable;

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
   * The broker in a child JVM running {@link Main}. Its output goes to {@code broker.log} in the data
   * directory; its errors are echoed.
   */
  final class ChildBroker implements BenchBroker {
    private static final String READY = "BENCH-BROKER READY ";
    private static final Pattern ECHOED = Pattern.compile(" ERROR |Exception");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final Process process;
    private final String bootstrapServers;
    private final Path log;
    private @Nullable JMXConnector jmx;

    private ChildBroker(Process process, String bootstrapServers, Path log) {
      this.process = process;
      this.bootstrapServers = bootstrapServers;
      this.log = log;
    }

    static ChildBroker start(Path dataDir, Map<String, String> overrides) throws Exception {
      Path log = dataDir.resolve("broker.log");
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx" + System.getProperty("bench.broker-heap", "2g"),
          "--enable-native-access=ALL-UNNAMED",
          "--sun-misc-unsafe-memory-access=allow"));
      overrides.forEach((name, value) -> command.add("-D" + BROKER_OVERRIDE + name + "=" + value));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
          dataDir.resolve("kafka").toString()));
      Process process;
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start the broker's JVM (" + command.getFirst() + "): " + e.getMessage()
            + ". Run with -Dbench.broker-jvm=shared to start the broker in this JVM instead.", e);
      }
      CompletableFuture<String> ready = new CompletableFuture<>();
      Thread pump = new Thread(() -> pump(process, log, ready), "bench-broker-output");
      pump.setDaemon(true);
      pump.start();
      try {
        return new ChildBroker(process, ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS), log);
      } catch (ExecutionException | TimeoutException e) {
        process.destroyForcibly();
        throw new IllegalStateException("The broker's JVM did not start within " + START_TIMEOUT.toSeconds() + " s"
            + (e instanceof ExecutionException ? " (" + e.getCause().getMessage() + ")" : "") + "; see " + log
            + ". Run with -Dbench.broker-jvm=shared to start the broker in this JVM instead.", e);
      }
    }

    private static void pump(Process process, Path log, CompletableFuture<String> ready) {
      try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8)); var file = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        String line;
        while ((line = output.readLine()) != null) {
          file.write(line);
          file.newLine();
          file.flush();
          if (line.startsWith(READY)) {
            ready.complete(line.substring(READY.length()).strip());
          } else if (ECHOED.matcher(line).find()) {
            Progress.print("    [broker] %s", line.length() > 300 ? line.substring(0, 300) + "..." : line);
          }
        }
        ready.completeExceptionally(new IllegalStateException("it exited with " + process.waitFor()));
      } catch (IOException | InterruptedException e) {
        ready.completeExceptionally(e);
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
      return "in a JVM of its own (pid " + process.pid() + ", -Xmx" + System.getProperty("bench.broker-heap", "2g")
          + ", log " + log + ")";
    }

    /**
     * Connects to the child's MBeans once, through the JDK's attach mechanism: the child starts its
     * local management agent, which listens to this machine only, and no port is configured.
     */
    @Override
    public synchronized MBeanServerConnection metrics() {
      try {
        if (jmx == null) {
          VirtualMachine vm = VirtualMachine.attach(Long.toString(process.pid()));
          try {
            jmx = JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent()));
          } finally {
            vm.detach();
          }
        }
        return jmx.getMBeanServerConnection();
      } catch (IOException | AttachNotSupportedException e) {
        throw new IllegalStateException("Cannot read the metrics of the broker's JVM (pid " + process.pid() + "): "
            + e + ". Run with -Dbench.broker-jvm=shared to start the broker in this JVM instead.", e);
      }
    }

    /** Asks the broker to close (it flushes its logs), and kills it if it has not within 60 s. */
    @Override
    public synchronized void close() throws InterruptedException {
      if (jmx != null) {
        try {
          jmx.close();
        } catch (IOException e) {
          // the connection ends with the child either way
        }
      }
      if (!process.isAlive()) {
        return;
      }
      try {
        OutputStream input = process.getOutputStream();
        input.write("close\n".getBytes(StandardCharsets.UTF_8));
        input.flush();
      } catch (IOException e) {
        // it is exiting already; the wait below ends it either way
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        Progress.print("    [broker] did not exit within 60 s of a close; killing it");
        process.destroyForcibly();
        process.waitFor();
      }
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
        String line;
        while ((line = input.readLine()) != null && !line.strip().equals("close")) {
          // wait for the benchmark's word, or for it to end
        }
      }
      System.exit(0);
    }
  }
}
