package io.tributary.benchmarks;

import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.Deposited;
import io.tributary.runtime.bank.v1.Withdrawn;
import io.tributary.runtime.internal.WireFormat;
import io.tributary.runtime.internal.wire.EventRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Pre-loads a service's events topic with the records the runtime writes for the bank account
 * ({@link EventRecord}s keyed by account id, on the account's partition, with per-account sequence
 * numbers from 1): 60% deposits and 40% withdrawals of 1 to 100 over uniformly drawn accounts,
 * from a seed. A plain idempotent producer writes them; {@code read_committed} readers see them.
 */
final class EventLoader {
  /** One timestamp for every loaded event. */
  private static final long TIMESTAMP_MICROS = 1_795_000_000_000_000L;

  private final BenchKafka kafka;

  EventLoader(BenchKafka kafka) {
    this.kafka = kafka;
  }

  /** @return the end offset of each partition of {@code topic} once all {@code count} events are in */
  @SuppressWarnings("unchecked")
  Map<TopicPartition, Long> load(ServiceDefinition service, String topic, int count, int accounts, long seed) {
    AggregateType<?, ?, AccountEvent> type = (AggregateType<?, ?, AccountEvent>) service.findAggregate(Account.TYPE)
        .orElseThrow();
    Partitioner partitioner = new Partitioner(kafka.partitions());
    long[] sequences = new long[accounts];
    SplittableRandom random = new SplittableRandom(seed);
    Progress progress = new Progress();
    AtomicReference<@Nullable Exception> failed = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("event-loader", Map.of(
        ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
        ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024))) {
      for (int i = 0; i < count; i++) {
        int account = random.nextInt(accounts);
        String accountId = "acct-" + account;
        long amount = 1 + random.nextInt(100);
        AccountEvent event = random.nextInt(10) < 6
            ? AccountEvent.newBuilder().setDeposited(Deposited.newBuilder().setAmount(amount)).build()
            : AccountEvent.newBuilder().setWithdrawn(Withdrawn.newBuilder().setAmount(amount)).build();
        String commandId = "load-" + i;
        EventRecord record = EventRecord.newBuilder()
            .setAggregateType(Account.TYPE)
            .setAggregateId(accountId)
            .setSequence(++sequences[account])
            .setCommandId(commandId)
            .setCorrelationId(commandId)
            .setCausationId(commandId)
            .setTimestampMicros(TIMESTAMP_MICROS)
            .setEvent(WireFormat.payload(type.eventCodec(), event))
            .build();
        producer.send(new ProducerRecord<>(topic, partitioner.partitionFor(accountId),
            accountId.getBytes(StandardCharsets.UTF_8), record.toByteArray()), (metadata, error) -> {
              if (error != null) {
                failed.compareAndSet(null, error);
              }
            });
        if (progress.due()) {
          Progress.print("  loading events: %s / %s (%s/s)", Progress.count(i + 1), Progress.count(count),
              Progress.count(progress.perSecond(i + 1)));
        }
      }
      producer.flush();
    }
    if (failed.get() != null) {
      throw new IllegalStateException("Loading the events into " + topic + " failed: " + failed.get(), failed.get());
    }
    Map<TopicPartition, Long> ends = kafka.endOffsets(topic);
    long loaded = ends.values().stream().mapToLong(Long::longValue).sum();
    if (loaded != count) {
      throw new IllegalStateException(topic + " holds " + loaded + " records after loading " + count + ".");
    }
    Progress.print("  loaded %s events in %.1f s", Progress.count(count), count / progress.perSecond(count));
    return ends;
  }
}
