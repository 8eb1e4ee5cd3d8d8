package io.tributary.benchmarks;

import io.tributary.runtime.Partitioner;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Pre-loads a run's commands into its commands topic before the system under test starts: the
 * records Tributary's gateway would write (a {@code CommandRecord} keyed by account id, on the
 * account's partition), generated from the same seed for both systems, so their bytes are equal.
 */
final class CommandLoader {
  /** One timestamp for every loaded command, so both systems read the same bytes. */
  private static final long TIMESTAMP_MICROS = 1_795_000_000_000_000L;

  private final BenchKafka kafka;
  private final Partitioner partitioner;

  CommandLoader(BenchKafka kafka) {
    this.kafka = kafka;
    this.partitioner = new Partitioner(kafka.partitions());
  }

  /** @return the end offset of each partition of {@code topic} once all {@code count} commands are in */
  Map<TopicPartition, Long> load(String topic, CommandLog commands, int count, String label) {
    Progress progress = new Progress();
    AtomicReference<@Nullable Exception> failed = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("loader", Map.of(
        ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
        ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024))) {
      for (int i = 0; i < count; i++) {
        CommandLog.Command command = commands.next();
        producer.send(new ProducerRecord<>(topic, partitioner.partitionFor(command.accountId()), command.key(),
            command.record(TIMESTAMP_MICROS)), (metadata, error) -> {
              if (error != null) {
                failed.compareAndSet(null, error);
              }
            });
        if (progress.due()) {
          Progress.print("  loading %s: %s / %s commands (%s/s)", label, Progress.count(i + 1),
              Progress.count(count), Progress.count(progress.perSecond(i + 1)));
        }
      }
      producer.flush();
    }
    if (failed.get() != null) {
      throw new IllegalStateException("Loading the commands of " + label + " into " + topic + " failed: "
          + failed.get(), failed.get());
    }
    Map<TopicPartition, Long> ends = kafka.endOffsets(topic);
    long loaded = ends.values().stream().mapToLong(Long::longValue).sum();
    if (loaded != count) {
      throw new IllegalStateException(topic + " holds " + loaded + " records after loading " + count + ".");
    }
    Progress.print("  loaded %s: %s commands in %.1f s", label, Progress.count(count),
        count / progress.perSecond(count));
    return ends;
  }
}
