package io.tributary.benchmarks;

import java.util.Locale;

/** Says when the next progress line is due (every {@value #INTERVAL_SECONDS} s) and formats counts. */
final class Progress {
  private static final int INTERVAL_SECONDS = 3;

  private final long started = System.nanoTime();
  private long nextLine = started + INTERVAL_SECONDS * 1_000_000_000L;

  /** @return {@code true} once per interval */
  boolean due() {
    long now = System.nanoTime();
    if (now < nextLine) {
      return false;
    }
    nextLine = now + INTERVAL_SECONDS * 1_000_000_000L;
    return true;
  }

  /** @return {@code count} per second since this progress started */
  double perSecond(long count) {
    return count / Math.max(1e-9, (System.nanoTime() - started) / 1e9);
  }

  static String count(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  static void print(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
