package io.tributary.benchmarks;

import io.tributary.devservices.KafkaDevServer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How long does the smallest transaction take on the in-JVM broker? A transactional producer, alone
 * on the broker, runs back-to-back transactions of one 100-byte record per partition of an
 * 8-partition topic and times each one's two halves:
 *
 * <ul>
 *   <li><b>produce</b>: {@code beginTransaction}, the sends and {@code flush}. The first produce of a
 *       transaction also adds the partitions to it, which the broker refuses with
 *       CONCURRENT_TRANSACTIONS (and retries) while the previous transaction's markers are still
 *       being written;
 *   <li><b>commit</b>: {@code commitTransaction}.
 * </ul>
 *
 * A task loop pays at least one such cycle per batch, and a command that arrives during a cycle
 * waits for it and for the next one: this is the floor under the command latency, whatever the
 * runtime does. Settings: {@code bench.probe.transactions} (per round, default 200) and {@code
 * bench.probe.rounds} (default 3; the first warms the JIT).
 */
public final class TransactionCycleProbe {
  private static final String TOPIC = "probe";
  private static final int PARTITIONS = 8;

  private TransactionCycleProbe() {}

  public static void main(String[] args) throws Exception {
    int transactions = Integer.getInteger("bench.probe.transactions", 200);
    int rounds = Integer.getInteger("bench.probe.rounds", 3);
    if (transactions < 1 || rounds < 1) {
      throw new IllegalArgumentException("bench.probe.transactions and bench.probe.rounds must be at least 1; got "
          + transactions + " and " + rounds + ".");
    }
    Path dataDir = TempDirs.create("tributary-probe-");
    try (KafkaDevServer broker = KafkaDevServer.start(KafkaDevServer.Options.defaults(dataDir.resolve("kafka")));
        BenchKafka kafka = new BenchKafka(broker.bootstrapServers(), Map.of(), PARTITIONS)) {
      kafka.createTopics(List.of(TOPIC));
      Map<String, Object> config = new HashMap<>();
      config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "transaction-cycle-probe");
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      // the task loop's transactional producer retries this soon too (KafkaClients)
      config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.initTransactions();
        Progress.print("round  transactions   produce p50 / p99 ms   commit p50 / p99 ms   cycle p50 / p99 ms");
        for (int round = 1; round <= rounds; round++) {
          long[] produce = new long[transactions];
          long[] commit = new long[transactions];
          long[] cycle = new long[transactions];
          for (int i = 0; i < transactions; i++) {
            long started = System.nanoTime();
            producer.beginTransaction();
            for (int partition = 0; partition < PARTITIONS; partition++) {
              producer.send(new ProducerRecord<>(TOPIC, partition, null, new byte[100]));
            }
            producer.flush();
            long produced = System.nanoTime();
            producer.commitTransaction();
            long committed = System.nanoTime();
            produce[i] = produced - started;
            commit[i] = committed - produced;
            cycle[i] = committed - started;
          }
          Progress.print("%5d  %12d   %8.2f / %6.2f      %8.2f / %6.2f     %8.2f / %6.2f", round, transactions,
              millis(produce, 0.5), millis(produce, 0.99), millis(commit, 0.5), millis(commit, 0.99),
              millis(cycle, 0.5), millis(cycle, 0.99));
        }
      }
    } finally {
      TempDirs.delete(dataDir);
    }
  }

  private static double millis(long[] nanos, double quantile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.ceil(quantile * sorted.length) - 1] / 1e6;
  }
}
