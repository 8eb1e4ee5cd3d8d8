package io.tributary.devservices.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server running as a child process, with stdout and stderr in one log file and stdin kept open
 * as a lifeline: a child that stops by itself when its stdin reaches end of file (as the
 * Elasticsearch node does) also stops when this JVM dies, even by {@code kill -9}.
 *
 * <p>{@link #close()} asks the child to stop (by closing stdin, or by SIGTERM: see {@link
 * GracefulStop}), waits up to the stop timeout for it to exit, then kills it and its descendants. A shutdown hook does the same if this JVM exits without {@code close()}.
 * {@link #awaitLine} is for one thread at a time; {@code close()} may be called from any thread.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

  /** How {@link #close()} asks the child to stop before it is killed. */
  public enum GracefulStop {
    /** Close the child's stdin: for children that exit when their parent's pipe closes. */
    CLOSE_STDIN,
    /** Send SIGTERM (or the platform's equivalent): for servers that flush their data on it. */
    TERMINATE
  }

  private final Process process;
  private final Path logFile;
  private final Duration stopTimeout;
  private final GracefulStop gracefulStop;
  private final Thread shutdownHook;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private ChildProcess(Process process, Path logFile, Duration stopTimeout, GracefulStop gracefulStop, String name) {
    this.process = process;
    this.logFile = logFile;
    this.stopTimeout = stopTimeout;
    this.gracefulStop = gracefulStop;
    this.shutdownHook = new Thread(this::stop, "stop-" + name + "-on-exit");
  }

  /** What {@link #awaitLine} saw. */
  public sealed interface Outcome {}

  /**
   * A log line matched.
   *
   * @param line the whole line
   * @param match the match within it
   */
  public record Matched(String line, MatchResult match) implements Outcome {}

  /**
   * The child exited before any line matched.
   *
   * @param exitCode its exit status
   */
  public record Exited(int exitCode) implements Outcome {}

  /** No line matched within the timeout, and the child is still running. */
  public record TimedOut() implements Outcome {}

  /**
   * Starts {@code command} with {@code workingDir} as its working directory. The log file is
   * created or emptied first, so it only ever holds this run's output.
   *
   * @param name a short name for thread names, such as {@code elasticsearch}
   * @param stopTimeout how long {@link #close()} waits for the child to exit after closing stdin
   * @throws IOException if the log file cannot be created or the command cannot be started; no
   *     process is left running
   * @throws IllegalStateException if this JVM is already shutting down; the child is killed
   */
  public static ChildProcess start(
      String name, List<String> command, Path workingDir, Path logFile, Duration stopTimeout)
      throws IOException {
    return start(name, command, workingDir, logFile, stopTimeout, GracefulStop.CLOSE_STDIN);
  }

  /**
   * Like {@link #start(String, List, Path, Path, Duration)}, with the way {@link #close()} asks the
   * child to stop before {@code stopTimeout} runs out and it is killed.
   */
  public static ChildProcess start(
      String name, List<String> command, Path workingDir, Path logFile, Duration stopTimeout,
      GracefulStop gracefulStop) throws IOException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    Process process = new ProcessBuilder(command)
        .directory(workingDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(logFile.toFile())
        .start();
    ChildProcess child = new ChildProcess(process, logFile, stopTimeout, gracefulStop, name);
    try {
      Runtime.getRuntime().addShutdownHook(child.shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      child.destroyTree();
      throw shutdownInProgress;
    }
    return child;
  }

  /** @return the file holding the child's stdout and stderr */
  public Path logFile() {
    return logFile;
  }

  /** @return {@code true} while the child runs */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** @return the child's process id */
  public long pid() {
    return process.pid();
  }

  /**
   * Follows the log from its start until a line contains a match of {@code pattern}, the child
   * exits, or {@code timeout} passes, whichever comes first. Lines the child wrote just before
   * exiting are still checked, so a last message before exit is seen as a match.
   *
   * @throws IOException if the log cannot be read
   * @throws InterruptedException if the thread is interrupted; the child keeps running, so close it
   */
  public Outcome awaitLine(Pattern pattern, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (LogTail tail = LogTail.open(logFile)) {
      while (true) {
        boolean exited = !process.isAlive();
        for (String line : tail.readNewLines()) {
          Matcher matcher = pattern.matcher(line);
          if (matcher.find()) {
            return new Matched(line, matcher.toMatchResult());
          }
        }
        if (exited) {
          return new Exited(process.exitValue());
        }
        if (System.nanoTime() - deadline >= 0) {
          return new TimedOut();
        }
        // returns early when the child exits, so an exit is noticed at once
        process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Waits up to {@code timeout} for the child to exit by itself, as after a shutdown command sent
   * over its own protocol.
   *
   * @return {@code true} if it has exited
   * @throws InterruptedException if the thread is interrupted; the child keeps running
   */
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the child as described on the class, and waits until it is gone. Idempotent; never throws.
   * If the calling thread is interrupted, the child is killed at once and the interrupt flag stays
   * set.
   */
  @Override
  public void close() {
    stop();
    removeShutdownHook();
  }

  /**
   * Kills the child and its descendants at once, without the graceful stop: for a child that is
   * stuck or no longer wanted. Returns when it is gone. Idempotent, also after {@link #close()};
   * never throws.
   */
  public void kill() {
    if (stopped.compareAndSet(false, true)) {
      destroyTree();
    }
    removeShutdownHook();
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      // the JVM is exiting and the hook has stopped, or is stopping, the child
    }
  }

  private void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      if (gracefulStop == GracefulStop.TERMINATE) {
        process.destroy();
      } else {
        process.getOutputStream().close();
      }
      if (process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (IOException childAlreadyGone) {
      // closing a pipe whose reader has exited can fail; the kill below makes sure it is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    destroyTree();
  }

  private void destroyTree() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    boolean interrupted = Thread.interrupted();
    try {
      // a SIGKILL cannot be refused, so this wait is short; it is bounded all the same
      process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
