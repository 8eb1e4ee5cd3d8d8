package io.tributary.benchmarks;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the benchmarks' child JVMs ({@link RecoveryChild}, {@link BenchBroker.Main}) share: the
 * command that starts one, the copy of its output to a log file, and the word on its standard input
 * that closes it.
 */
final class ChildJvm {
  /** What a child reads on its standard input to close gracefully. */
  static final String CLOSE = "close";

  private ChildJvm() {}

  /**
   * @return the command that runs {@code main} with {@code args} on this JVM's {@code java} and class
   *     path, with a heap of {@code heap} ({@code -Xmx}) and {@code options} before the class
   */
  static List<String> command(String heap, List<String> options, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap,
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"));
    command.addAll(options);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    return command;
  }

  /** Starts {@code command} with its error output merged into its standard output. */
  static Process start(List<String> command, String what) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + what + " (" + command.getFirst() + "): " + e.getMessage(), e);
    }
  }

  /**
   * Starts a daemon thread that appends each line of the child's output to {@code log} and then hands
   * it to {@code onLine}; {@code onEnd} runs when the output ends, with the error that ended it or null.
   */
  static void pump(Process process, Path log, String threadName, Consumer<String> onLine,
      Consumer<IOException> onEnd) {
    Thread pump = new Thread(() -> {
      try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8)); BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        String line;
        while ((line = output.readLine()) != null) {
          file.write(line);
          file.newLine();
          file.flush();
          onLine.accept(line);
        }
        onEnd.accept(null);
      } catch (IOException e) {
        onEnd.accept(e);
      }
    }, threadName);
    pump.setDaemon(true);
    pump.start();
  }

  /** Writes {@link #CLOSE} to the child's standard input; does not wait. */
  static void requestClose(Process process) throws IOException {
    OutputStream input = process.getOutputStream();
    input.write((CLOSE + "\n").getBytes(StandardCharsets.UTF_8));
    input.flush();
  }

  /** Asks the child to close, and kills it if it has not exited within {@code timeoutSeconds}. */
  static void close(Process process, String label, long timeoutSeconds) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    try {
      requestClose(process);
    } catch (IOException e) {
      // it is exiting already: the wait below ends it either way
    }
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      Progress.print("    [%s] did not exit within %d s of a close; killing it", label, timeoutSeconds);
      kill(process);
    }
  }

  /** Sends SIGKILL (kill -9) and waits for the process to end. */
  static void kill(Process process) throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** @return whether {@code line}, read on a child's standard input, asks it to close; the end of input does too */
  static boolean closes(String line) {
    return line == null || line.strip().equals(CLOSE);
  }
}
