package io.tributary.projection.rebuild;

import io.tributary.core.annotation.Experimental;
import io.tributary.projection.rebuild.RebuildProgress.PartitionProgress;
import io.tributary.projection.rebuild.internal.Backlog;
import io.tributary.projection.rebuild.internal.ProgressMeter;
import io.tributary.runtime.internal.Topics;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.KafkaException;

/**
 * Shows from the command line how far a version of a projection is, for tools and operators:
 *
 * <pre>
 * java -cp ... io.tributary.projection.rebuild.RebuildStatusCommand \
 *     --bootstrap-servers localhost:9092 --service tribes --projection post-pages --version 2 [--interval 1s] [--once]
 * </pre>
 *
 * Once per interval it prints, per partition and in total, the offsets done and left, the rate and
 * the ETA, until every partition is caught up. It reads the consumer group {@code
 * <service>.<projection>.v<version>}'s committed offsets (the runner commits them after each batch,
 * as a hint: the sink's positions are the truth, so this view can trail by one batch) and the events
 * topic's {@code read_committed} end offsets with an admin client; a partition whose offsets differ
 * only by transaction markers counts as caught up (it is checked by reading).
 *
 * <p>Exit codes: 0 caught up; 3 not caught up ({@code --once}); 2 bad arguments; 1 Kafka failed (the
 * cause and the fix are printed).
 */
@Experimental
public final class RebuildStatusCommand {
  static final int CAUGHT_UP = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int BEHIND = 3;
  private static final String USAGE_TEXT = "Usage: RebuildStatusCommand --bootstrap-servers HOST:PORT[,...] --service NAME"
      + " --projection NAME --version N [--interval 1s] [--once]";

  private RebuildStatusCommand() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command without exiting the JVM, for tools that embed it.
   *
   * @return the exit code (see the class documentation); progress goes to {@code out}, failures with
   *     their cause and fix to {@code err}
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--once")) {
        options.put("once", "true");
      } else if (arg.startsWith("--") && i + 1 < args.length && List.of("--bootstrap-servers", "--service",
          "--projection", "--version", "--interval").contains(arg)) {
        options.put(arg.substring(2), args[++i]);
      } else {
        err.println("Unknown or incomplete argument '" + arg + "'.");
        err.println(USAGE_TEXT);
        return USAGE;
      }
    }
    for (String required : List.of("bootstrap-servers", "service", "projection", "version")) {
      if (!options.containsKey(required)) {
        err.println("Missing --" + required + ".");
        err.println(USAGE_TEXT);
        return USAGE;
      }
    }
    int version;
    Duration interval;
    try {
      version = Integer.parseInt(options.get("version"));
      if (version < 1) {
        throw new NumberFormatException("below 1");
      }
      interval = parseDuration(options.getOrDefault("interval", "1s"));
    } catch (NumberFormatException e) {
      err.println("--version must be a projection version (1 or more) and --interval a duration such as 1s or 500ms;"
          + " got --version " + options.get("version") + ", --interval " + options.getOrDefault("interval", "1s") + ".");
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String service = options.get("service");
    String group = service + "." + options.get("projection") + ".v" + version;
    String topic = Topics.of(service).events();
    try (Backlog backlog = Backlog.open(options.get("bootstrap-servers"), Map.of(), topic)) {
      ProgressMeter meter = new ProgressMeter(version, Clock.systemUTC());
      List<Integer> partitions = backlog.partitions();
      out.printf("Rebuild status of %s from %s (%d partitions)%n", group, topic, partitions.size());
      while (true) {
        Map<Integer, Long> committed = backlog.committed(group);
        if (committed.isEmpty()) {
          out.printf("Group %s has committed no offsets yet: its runner has not applied a batch, or does not run."
              + " Start the deployment of version %d.%n", group, version);
        }
        RebuildProgress progress = meter.record(backlog.sample(partitions, committed, interval), false);
        print(progress, out);
        if (progress.caughtUp()) {
          out.println("Caught up.");
          return CAUGHT_UP;
        }
        if (options.containsKey("once")) {
          return BEHIND;
        }
        Thread.sleep(interval);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("Interrupted.");
      return FAILED;
    } catch (KafkaException | io.tributary.core.error.TributaryException e) {
      err.println("Cannot read the progress of " + group + ": " + e.getMessage());
      if (e instanceof KafkaException) {
        err.println("Check --bootstrap-servers (" + options.get("bootstrap-servers") + ") and that the brokers run.");
      }
      return FAILED;
    }
  }

  private static void print(RebuildProgress progress, PrintStream out) {
    for (PartitionProgress partition : progress.partitions().values()) {
      out.printf("  partition %d: done %d, left %d (end %d)%s%n", partition.partition(), partition.next(),
          partition.left(), partition.endOffset(), partition.caughtUp() ? ", caught up" : "");
    }
    out.printf("  total: done %d, left %d, %.1f events/s, ETA %s%n", progress.eventsDone(), progress.eventsLeft(),
        progress.ratePerSecond(), progress.eta() == null ? "unknown" : format(progress.eta()));
  }

  /** @return {@code 500ms}, {@code 2s} or {@code 1m} as a duration */
  static Duration parseDuration(String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    Duration parsed;
    if (lower.endsWith("ms")) {
      parsed = Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
    } else if (lower.endsWith("s")) {
      parsed = Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
    } else if (lower.endsWith("m")) {
      parsed = Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
    } else {
      throw new NumberFormatException("no unit (ms, s or m) in '" + text + "'");
    }
    if (parsed.isNegative() || parsed.isZero()) {
      throw new NumberFormatException("not positive: '" + text + "'");
    }
    return parsed;
  }

  private static String format(Duration eta) {
    long seconds = eta.toSeconds();
    if (seconds < 60) {
      return seconds + "s";
    }
    return seconds < 3600 ? "%dm %02ds".formatted(seconds / 60, seconds % 60)
        : "%dh %02dm".formatted(seconds / 3600, seconds % 3600 / 60);
  }
}
