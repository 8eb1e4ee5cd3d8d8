package io.tributary.benchmarks;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Keeps the heap the JVM has committed through the throughput phase, so that no system under test
 * pays for growing it again.
 *
 * <p>The harness runs a full collection before each round ({@link ThroughputPhase}). After a full
 * collection G1 gives back to the operating system the heap beyond {@code MaxHeapFreeRatio} (70% by
 * default) of free space, and the next round grows it again: every page it touches anew is a page
 * fault in which the kernel clears 4 KiB, charged to whichever thread allocated there. That
 * penalised the systems unequally: Kafka Streams does its work on one stream thread, which took the
 * faults and was its bottleneck (benchmarks README, Method, "Heap"). {@code MaxHeapFreeRatio} is a
 * manageable flag, so the harness sets it to 100 for the throughput phase: the heap still grows as the
 * collector sizes it, and is not given back. Closing restores the JVM's value, so the latency phase
 * runs on the collector's usual sizing, as it did before. {@code -Dbench.keep-heap=false} leaves the
 * JVM's value throughout, as every run before 2026-11-25 had it.
 */
final class CommittedHeap implements AutoCloseable {
  private static final String FLAG = "MaxHeapFreeRatio";

  private final HotSpotDiagnosticMXBean hotSpot;
  private final String before;
  private final boolean kept;

  private CommittedHeap(HotSpotDiagnosticMXBean hotSpot, String before, boolean kept) {
    this.hotSpot = hotSpot;
    this.before = before;
    this.kept = kept;
  }

  /**
   * Sets {@code MaxHeapFreeRatio} to 100 until {@link #close}, unless {@code bench.keep-heap} is false.
   *
   * @throws IllegalStateException if this JVM cannot set it, with what to pass instead
   */
  static CommittedHeap keepUnlessDisabled() {
    HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotSpot == null) {
      throw new IllegalStateException("This JVM has no HotSpotDiagnosticMXBean to set " + FLAG + " with; run the"
          + " benchmark on a HotSpot JVM (the README's command uses Temurin), or pass -Dbench.keep-heap=false to"
          + " run with the JVM's heap sizing, whose ratios are not comparable with the README's.");
    }
    String before = hotSpot.getVMOption(FLAG).getValue();
    if (!Boolean.parseBoolean(System.getProperty("bench.keep-heap", "true"))) {
      return new CommittedHeap(hotSpot, before, false);
    }
    try {
      hotSpot.setVMOption(FLAG, "100");
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("Cannot set " + FLAG + "=100 in this JVM (" + e.getMessage() + "). Remove"
          + " -XX:" + FLAG + " or -XX:MinHeapFreeRatio from the command line, or pass -Dbench.keep-heap=false.", e);
    }
    return new CommittedHeap(hotSpot, before, true);
  }

  /** @return what the heap's sizing is, for the output */
  String describe() {
    return kept ? "committed heap kept through the throughput phase (" + FLAG + "=100 instead of " + before
        + "; bench.keep-heap=true)"
        : "the JVM's sizing, heap given back after full collections (" + FLAG + "=" + before
            + "; bench.keep-heap=false)";
  }

  /** Restores the JVM's {@code MaxHeapFreeRatio}. */
  @Override
  public void close() {
    if (kept) {
      hotSpot.setVMOption(FLAG, before);
    }
  }
}
