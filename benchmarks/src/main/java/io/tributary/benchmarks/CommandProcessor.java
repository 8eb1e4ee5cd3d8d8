package io.tributary.benchmarks;

import java.nio.file.Path;

/** A system that decides the pre-loaded commands of a run: Tributary, or the Kafka Streams peer. */
interface CommandProcessor {
  /** What a run wrote, counted {@code read_committed} after it ended. */
  record Tally(long events, long rejections, long failures) {}

  /** @return the name in the results table */
  String name();

  /** @return the consumer group that commits the commands' offsets of a run named {@code run} */
  String group(String run);

  /** Starts the system on the run's topics, which exist and hold the commands. */
  Running start(String run, Path stateDir);

  /** Counts what a finished run wrote. */
  Tally tally(BenchKafka kafka, RunTopics topics);
}
