package io.tributary.benchmarks;

import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The scale and tuning of one read-side benchmark invocation, from {@code bench.read.*} system
 * properties (and {@code bench.partitions}, {@code bench.seed}, shared with the command side).
 *
 * @param events events pre-loaded into the events topic ({@code bench.read.events})
 * @param accounts distinct account ids the events belong to ({@code bench.read.accounts})
 * @param partitions partitions of the events topic ({@code bench.partitions})
 * @param runs measured runs per sink ({@code bench.read.runs})
 * @param warmups unmeasured runs per sink before them ({@code bench.read.warmups})
 * @param maxBatchRecords the runner's {@code maxBatchRecords}: the most records of one poll, and so the
 *     largest batch per sink call ({@code bench.read.max-batch-records})
 * @param parallelism the runner's {@code parallelism}: partitions of a poll written at the same time
 *     ({@code bench.read.parallelism})
 * @param sinks which sinks the throughput phase runs: {@code redis}, {@code elasticsearch}
 *     ({@code bench.read.sinks})
 * @param latencyCommands recorded commands of the visibility-latency phase, 0 to skip it
 *     ({@code bench.read.latency-commands})
 * @param latencyWarmupCommands unrecorded commands before them ({@code bench.read.latency-warmup-commands})
 * @param elasticsearchHeap the Elasticsearch node's heap ({@code bench.read.es-heap})
 * @param maxBulkDocuments the Elasticsearch sink's {@code maxBulkDocuments} ({@code
 *     bench.read.es-max-bulk-documents})
 * @param maxBulksInFlight the Elasticsearch sink's {@code maxBulksInFlight} ({@code
 *     bench.read.es-bulks-in-flight})
 * @param seed the seed of the generated events ({@code bench.seed})
 */
record ReadSideSettings(
    int events,
    int accounts,
    int partitions,
    int runs,
    int warmups,
    int maxBatchRecords,
    int parallelism,
    List<String> sinks,
    int latencyCommands,
    int latencyWarmupCommands,
    String elasticsearchHeap,
    int maxBulkDocuments,
    int maxBulksInFlight,
    long seed) {

  /** Polls of the runner; a poll returns as soon as records arrive, so this only bounds idle polls. */
  static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  ReadSideSettings {
    sinks = List.copyOf(sinks);
    if (events < 1 || accounts < 1 || partitions < 1 || runs < 1 || warmups < 0 || maxBatchRecords < 1 || parallelism < 1
        || latencyCommands < 0 || latencyWarmupCommands < 0) {
      throw new IllegalArgumentException("bench.read.events, bench.read.accounts, bench.partitions, bench.read.runs"
          + " and bench.read.max-batch-records must be at least 1, the warm-ups and latency counts at least 0; got "
          + this + ".");
    }
    for (String sink : sinks) {
      if (!sink.equals("redis") && !sink.equals("elasticsearch")) {
        throw new IllegalArgumentException("bench.read.sinks names '" + sink + "'; use redis, elasticsearch or"
            + " both, comma-separated.");
      }
    }
  }

  static ReadSideSettings fromSystemProperties() {
    return new ReadSideSettings(
        Integer.getInteger("bench.read.events", 1_000_000),
        Integer.getInteger("bench.read.accounts", 100_000),
        Integer.getInteger("bench.partitions", 8),
        Integer.getInteger("bench.read.runs", 3),
        Integer.getInteger("bench.read.warmups", 1),
        Integer.getInteger("bench.read.max-batch-records", 20_000),
        Integer.getInteger("bench.read.parallelism", 4),
        List.of(System.getProperty("bench.read.sinks", "redis,elasticsearch").toLowerCase(Locale.ROOT).split(",")),
        Integer.getInteger("bench.read.latency-commands", 2_000),
        Integer.getInteger("bench.read.latency-warmup-commands", 200),
        System.getProperty("bench.read.es-heap", "1g"),
        Integer.getInteger("bench.read.es-max-bulk-documents", ElasticsearchViewSinkSettings.DEFAULT_MAX_BULK_DOCUMENTS),
        Integer.getInteger("bench.read.es-bulks-in-flight", ElasticsearchViewSinkSettings.DEFAULT_MAX_BULKS_IN_FLIGHT),
        Long.getLong("bench.seed", 20261122L));
  }

  boolean runs(String sink) {
    return sinks.contains(sink);
  }
}
