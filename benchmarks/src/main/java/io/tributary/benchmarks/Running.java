package io.tributary.benchmarks;

import org.jspecify.annotations.Nullable;

/** A system under test while it runs. */
interface Running extends AutoCloseable {
  /** @return the failure that stopped the system, or {@code null} while it works */
  @Nullable Throwable failure();

  /** @return a line of the system's own counters for the run (transactions, batch sizes) */
  String stats();

  /** Stops the system and releases its clients and stores. */
  @Override
  void close();
}
