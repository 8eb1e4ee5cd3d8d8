package io.tributary.devservices.internal.esnode;

import java.io.PrintStream;
import java.util.List;
import org.junit.runner.JUnitCore;
import org.junit.runner.Request;
import org.junit.runner.Result;
import org.junit.runner.notification.Failure;

/**
 * Entry point of the child JVM. The Elasticsearch test framework only builds a node inside a
 * randomized-testing context, so the node runs as the single test of {@link ElasticsearchNodeRun},
 * driven by JUnit; this class turns the outcome into the protocol described in {@code
 * package-info.java}.
 */
public final class ElasticsearchNodeMain {
  static final String READY = "TRIBUTARY-ES-READY";
  static final String FAILED = "TRIBUTARY-ES-FAILED";
  private static final int MAX_CAUSES = 8;

  private ElasticsearchNodeMain() {}

  /**
   * Runs the node until stdin reaches end of file, then exits the JVM: status 0 after a clean
   * close, 1 when the node could not start or failed to close, 2 when given arguments.
   *
   * @param args none; settings come from system properties
   */
  public static void main(String[] args) {
    if (args.length != 0) {
      report(FAILED + " unexpected arguments " + String.join(" ", args)
          + "; pass node settings as -D" + ElasticsearchNodeRun.SETTING_PREFIX + "<key>=<value>");
      System.exit(2);
    }
    Result result = new JUnitCore().run(Request.aClass(ElasticsearchNodeRun.class));
    if (result.wasSuccessful()) {
      System.exit(0);
    }
    List<Throwable> errors = result.getFailures().stream().map(Failure::getException).toList();
    errors.forEach(error -> error.printStackTrace(System.err));
    System.err.flush();
    report(FAILED + " "
        + (errors.isEmpty() ? "the node run failed without an error" : oneLine(errors.getFirst())));
    System.exit(1);
  }

  /** Writes one protocol line in a single write, so that log output cannot split it. */
  static void report(String line) {
    PrintStream out = System.out;
    out.print(line + System.lineSeparator());
    out.flush();
  }

  /** The exception and its causes, outermost first, each as {@code Type: message}, on one line. */
  static String oneLine(Throwable error) {
    StringBuilder line = new StringBuilder();
    int depth = 0;
    // bounded, because a chain of causes may loop
    for (Throwable t = error; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
      if (!line.isEmpty()) {
        line.append(" <- caused by ");
      }
      line.append(t.getClass().getName());
      if (t.getMessage() != null) {
        line.append(": ").append(t.getMessage());
      }
    }
    return line.toString().replaceAll("\\s*\\R\\s*", " ");
  }
}
