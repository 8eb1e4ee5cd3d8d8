package io.tributary.query.internal;

import io.tributary.core.error.TransientException;
import io.tributary.query.ViewBehindException;
import io.tributary.query.ViewPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Waits until views reach the offsets a caller needs, polling their positions with a backoff that
 * doubles from {@code initialBackoff} up to {@code maxBackoff}, and never past the deadline.
 */
public final class PositionWait {
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  public PositionWait(Duration initialBackoff, Duration maxBackoff) {
    if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("poll backoff must be positive and its maximum at least its start, was "
          + initialBackoff + " up to " + maxBackoff);
    }
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  /**
   * Waits until every view holds, for every partition in {@code needed}, at least the needed offset.
   *
   * @param needed partition to the offset the caller needs; the same for every view
   * @param wait how long to wait at most; zero checks once
   * @return the positions of every view after the wait, sorted by projection then partition
   * @throws ViewBehindException naming the first view and partition not reached in time
   * @throws TransientException if interrupted (the interrupt flag stays set) or a store cannot be reached
   */
  public List<ViewPosition> await(List<LiveView> views, SortedMap<Integer, Long> needed, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    Map<LiveView, Map<Integer, Long>> reached = new HashMap<>();
    long backoff = initialBackoff.toNanos();
    while (true) {
      ViewBehindException behind = null;
      for (LiveView view : views) {
        Map<Integer, Long> held = reached.computeIfAbsent(view, v -> new HashMap<>());
        for (Map.Entry<Integer, Long> token : needed.entrySet()) {
          Long known = held.get(token.getKey());
          if (known != null && known >= token.getValue()) {
            continue;
          }
          OptionalLong position = view.store().position(view.projection(), view.version(), token.getKey());
          long offset = position.orElse(-1);
          held.put(token.getKey(), offset);
          if (offset < token.getValue() && behind == null) {
            behind = new ViewBehindException(view.projection(), view.version(), token.getKey(), offset, token.getValue());
          }
        }
      }
      if (behind == null) {
        return positions(views, reached);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw behind;
      }
      sleep(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, maxBackoff.toNanos());
    }
  }

  /** Every position of each view, raised to what the wait read in real time where the listing lags. */
  private static List<ViewPosition> positions(List<LiveView> views, Map<LiveView, Map<Integer, Long>> reached) {
    List<ViewPosition> positions = new ArrayList<>();
    for (LiveView view : views) {
      SortedMap<Integer, Long> all = new TreeMap<>(view.store().positions(view.projection(), view.version()));
      reached.getOrDefault(view, Map.of()).forEach((partition, offset) -> {
        if (offset >= 0) {
          all.merge(partition, offset, Math::max);
        }
      });
      all.forEach((partition, offset) -> positions.add(new ViewPosition(view.projection(), view.version(), partition, offset)));
    }
    return positions;
  }

  private static void sleep(long nanos) {
    try {
      Thread.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while waiting for views to reach the caller's position token", e);
    }
  }
}
