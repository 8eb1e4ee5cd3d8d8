package io.tributary.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Where a run's CPU went in this process, by thread: a snapshot of every thread's CPU time and the
 * difference to a later one, grouped by name with digits folded (all {@code
 * data-plane-kafka-request-handler-N} are one group). Java threads are read from {@link ThreadMXBean}
 * under their full names; the native threads it does not list (the JVM's own: the collector's, the
 * compilers', the VM thread; RocksDB's flushes and compactions) from Linux's {@code /proc/self/task},
 * where a name has at most 15 characters. Elsewhere the native threads are left out. Part of {@link
 * ThroughputPhase}.
 */
final class ThreadCpu {
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ, 100 on every Linux the JVM runs on
  /**
   * Names, as Linux shows them, of the native threads {@link ThreadMXBean} does not list: the JVM's
   * own (G1's and the other collectors', the compilers') and RocksDB's background flushes and
   * compactions.
   */
  private static final Pattern NATIVE_THREAD = Pattern.compile("GC Thread.*|G1 .*|C[12] CompilerThre.*|VM Thread"
      + "|VM Periodic Tas.*|ZWorker.*|ZDirector.*|Sweeper thread|rocksdb:.*");

  /** Thread key (a Java thread's id, or "os-" and a Linux thread id) to its name and CPU nanoseconds. */
  private final Map<String, Used> threads;

  private record Used(String name, long nanos) {}

  private ThreadCpu(Map<String, Used> threads) {
    this.threads = threads;
  }

  /** @return every live thread's CPU so far */
  static ThreadCpu snapshot() {
    Map<String, Used> threads = new HashMap<>();
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    for (@Nullable ThreadInfo info : bean.getThreadInfo(bean.getAllThreadIds())) { // null: ended meanwhile
      long nanos = info == null ? -1 : bean.getThreadCpuTime(info.getThreadId());
      if (nanos >= 0) {
        threads.put(Long.toString(info.getThreadId()), new Used(info.getThreadName(), nanos));
      }
    }
    if (Files.isDirectory(TASKS)) {
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
        for (Path task : tasks) {
          Used used = nativeThread(task.resolve("stat"));
          if (used != null) {
            threads.put("os-" + task.getFileName(), used);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("Cannot list " + TASKS + ": " + e.getMessage()
            + ". Run the benchmark on Linux with /proc mounted.", e);
      }
    }
    return new ThreadCpu(threads);
  }

  /** @return the thread's name and user plus system time if it is a native thread; else, or if it ended, null */
  private static @Nullable Used nativeThread(Path stat) {
    String line;
    try {
      line = Files.readString(stat);
    } catch (IOException ended) {
      return null;
    }
    // pid (comm) state ppid ... : comm may hold spaces and parentheses, so cut at the last ')'
    int close = line.lastIndexOf(')');
    String name = line.substring(line.indexOf('(') + 1, close);
    if (!NATIVE_THREAD.matcher(name).matches()) {
      return null;
    }
    String[] fields = line.substring(close + 2).split(" ");
    // fields[0] is the state (field 3), so utime (field 14) and stime (15) are at 11 and 12
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return new Used(name, (long) (ticks / TICKS_PER_SECOND * 1e9));
  }

  /**
   * @param earlier a snapshot taken before this one
   * @param seconds the wall time between them
   * @param top how many groups to name; the rest are summed as "other"
   * @return the groups' CPU in cores, largest first, e.g. {@code "tributary-tr-...-tasks 0.93, ..."}
   */
  String since(ThreadCpu earlier, double seconds, int top) {
    Map<String, Long> groups = new HashMap<>();
    threads.forEach((key, now) -> {
      Used before = earlier.threads.get(key);
      long nanos = now.nanos() - (before == null ? 0 : before.nanos());
      groups.merge(now.name().replaceAll("\\d+", "#").strip(), nanos, Long::sum);
    });
    var ranked = groups.entrySet().stream().filter(group -> group.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).toList();
    String named = ranked.stream().limit(top).map(group -> cores(group.getKey(), group.getValue(), seconds))
        .collect(Collectors.joining(", "));
    long rest = ranked.stream().skip(top).mapToLong(Map.Entry::getValue).sum();
    return rest == 0 ? named : named + ", " + cores("other", rest, seconds);
  }

  private static String cores(String group, long nanos, double seconds) {
    return String.format(Locale.ROOT, "%s %.2f", group, nanos / 1e9 / seconds);
  }
}
