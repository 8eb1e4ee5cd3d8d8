package io.tributary.benchmarks;

import java.util.List;

/** The topics of one run of one system: what it reads, and what it writes for the benchmark to count. */
record RunTopics(String commands, String events, String outcomes) {
  /** @return the topics of a run named {@code run}, named as Tributary names a service's topics */
  static RunTopics of(String run) {
    return new RunTopics(run + ".commands", run + ".events", run + ".outcomes");
  }

  List<String> all() {
    return List.of(commands, events, outcomes);
  }
}
