package io.tributary.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The stop-the-world garbage-collection pauses of this JVM while it listens, as the collectors
 * report them: the system measured and the benchmark's clients (and the broker, when it shares this
 * JVM; see {@link BenchBroker}). A latency window's pauses show how much of its tail they explain. The collectors' concurrent cycles (G1's
 * "G1 Concurrent GC", ZGC's "Cycles") run beside the application and are not counted. Thread-safe.
 */
final class GcPauses implements AutoCloseable {
  /**
   * A pause of {@code millis}, stamped {@code endNanos} ({@link System#nanoTime()}) when its
   * notification arrived, a moment after it ended: a pause at a window's edge may count on the wrong
   * side of it.
   */
  private record Pause(long endNanos, long millis) {}

  /**
   * The pauses of a window.
   *
   * @param count how many ended in it
   * @param totalMillis their durations added up
   * @param maxMillis the longest, 0 if none
   */
  record Summary(int count, long totalMillis, long maxMillis) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d pauses, longest %d ms, %d ms in all", count, maxMillis, totalMillis);
    }
  }

  private final List<Pause> pauses = new ArrayList<>();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::collected;

  private GcPauses() {}

  /** @return a listener to the pauses of every collector of this JVM from now on; close it to stop */
  static GcPauses listen() {
    GcPauses gc = new GcPauses();
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter && pausesOf(collector.getName())) {
        emitter.addNotificationListener(gc.listener, null, null);
        gc.emitters.add(emitter);
      }
    }
    return gc;
  }

  private static boolean pausesOf(String collector) {
    return !collector.contains("Concurrent") && !collector.contains("Cycles");
  }

  private void collected(Notification notification, Object handback) {
    if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long ended = System.nanoTime();
    synchronized (pauses) {
      pauses.add(new Pause(ended, info.getGcInfo().getDuration()));
    }
  }

  /** @return the pauses that ended from {@code fromNanos} to {@code toNanos} ({@link System#nanoTime()}) */
  Summary between(long fromNanos, long toNanos) {
    int count = 0;
    long total = 0;
    long max = 0;
    synchronized (pauses) {
      for (Pause pause : pauses) {
        if (pause.endNanos() >= fromNanos && pause.endNanos() <= toNanos) {
          count++;
          total += pause.millis();
          max = Math.max(max, pause.millis());
        }
      }
    }
    return new Summary(count, total, max);
  }

  /**
   * @return whether a pause ended from {@code fromNanos} to {@code toNanos} ({@link System#nanoTime()}):
   *     a command waiting over that span was stopped by it
   */
  boolean endedWithin(long fromNanos, long toNanos) {
    synchronized (pauses) {
      for (Pause pause : pauses) {
        if (pause.endNanos() >= fromNanos && pause.endNanos() <= toNanos) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (ListenerNotFoundException alreadyRemoved) {
        // nothing left to remove
      }
    }
  }
}
