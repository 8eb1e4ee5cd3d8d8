package io.tributary.runtime.internal;

import io.tributary.runtime.RuntimeSettings;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;

/**
 * Creates the Kafka clients of one instance. The user's pass-through properties (security, SASL,
 * TLS, timeouts) go to every client; the settings that the guarantees rest on (transactions,
 * {@code read_committed}, manual offsets) are set last, so they cannot be overridden by accident.
 */
public final class KafkaClients {
  /** The transactional producers' {@code transaction.timeout.ms} unless the Kafka properties set one. */
  static final int TRANSACTION_TIMEOUT_MS = 10_000;

  private final RuntimeSettings settings;
  private final String service;
  private final String instanceId;

  public KafkaClients(RuntimeSettings settings, String service, String instanceId) {
    this.settings = settings;
    this.service = service;
    this.instanceId = instanceId;
  }

  public String instanceId() {
    return instanceId;
  }

  public Admin admin() {
    return Admin.create(new HashMap<>(common()));
  }

  /**
   * The group consumer of the commands topic for task loop {@code loop}. Loop 0 keeps the ids an
   * instance of one loop has always had; loop {@code n} adds {@code -n}.
   */
  public Consumer<byte[], byte[]> commandConsumer(int loop) {
    Map<String, Object> config = common();
    config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, service);
    // static membership: an instance restarted after a crash takes its partitions back at once,
    // instead of waiting for the session of its dead predecessor to time out
    config.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, service + "-" + instanceId + suffix(loop));
    // members hear of a rebalance with their next heartbeat: a moved partition waits up to this long
    config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, service + "-" + instanceId + "-commands" + suffix(loop));
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxBatchRecords());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return readCommitted(config);
  }

  /** A group-less consumer for the replays of task loop {@code loop}; the replayer assigns partitions itself. */
  public Consumer<byte[], byte[]> replayConsumer(int loop) {
    Map<String, Object> config = common();
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, service + "-" + instanceId + "-replay" + suffix(loop));
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    // a replay reads to an end it knows: the fetch the consumer sends ahead once it reached that end
    // finds nothing, and would hold the next partition's first fetch back for the default 500 ms
    config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    return readCommitted(config);
  }

  /** A group-less consumer of every outcomes partition, for the replies of this instance's callers. */
  public Consumer<byte[], byte[]> outcomeConsumer() {
    Map<String, Object> config = common();
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, service + "-" + instanceId + "-outcomes");
    // the default fetch.max.wait.ms (500 ms): the broker answers a fetch it holds as soon as a commit
    // marker moves a partition's last stable offset, so a shorter wait brings no outcome sooner (a
    // probe on the dev broker: commit to record read, median 3.6 ms with 500 ms, 3.9 ms with 5 ms); it
    // only sent an empty fetch every few milliseconds, about 200 a second that the broker answered
    return readCommitted(config);
  }

  /**
   * Transactional producer {@code lane} of task loop {@code loop}; its id fences an earlier run of
   * this instance's loop and lane of the same numbers. Lane 0 keeps the id a loop has always had;
   * lane {@code n} adds {@code -tx<n>}.
   */
  public Producer<byte[], byte[]> transactionalProducer(int loop, int lane) {
    Map<String, Object> config = common();
    String laneSuffix = lane == 0 ? "" : "-tx" + lane;
    config.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    // a transaction's records go in one produce request when the committer flushes, rather than
    // drained in small ones while it still sends: fewer requests and record batches for the broker
    // (benchmarks README, 2026-11-25, "Lingering transactional producers"); the flush right after
    // the sends means no record waits for linger.ms
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    // right after a commit the coordinator may answer CONCURRENT_TRANSACTIONS while it writes the
    // markers; the first retry after 10 ms instead of the default 100 ms keeps that out of the reply
    // latency (later retries back off exponentially up to retry.backoff.max.ms as usual)
    config.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-" + instanceId + "-tx" + suffix(loop) + laneSuffix);
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, service + "-" + instanceId + suffix(loop) + laneSuffix);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * The producer that appends commands received over gRPC: acks=all, one request in flight per
   * broker so retries keep the order, and no producer idempotence. A retried send may append a
   * command twice, which the task loop's deduplication by command id answers with the first outcome
   * and no second event; an idempotent producer could instead be wedged for good right after a new
   * topic's first leader change (NOT_LEADER_OR_FOLLOWER on a batch the broker did append, then
   * OUT_OF_ORDER_SEQUENCE_NUMBER on every retry), leaving its callers without an outcome. A send
   * waits at most 1 s ({@code max.block.ms}, whatever the Kafka properties say) for buffer room or
   * metadata.
   */
  public Producer<byte[], byte[]> commandProducer() {
    Map<String, Object> config = common();
    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
    // a send waits at most this long for room in a full buffer (brokers unreachable or far behind),
    // then its caller hears UNAVAILABLE, resend safe. Set, not defaulted: the gRPC server runs Send on
    // a transport thread, and the calls of every connection that thread serves wait with it; and the
    // commands topic's metadata, read at start, is kept however long the service idles
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
    config.putIfAbsent(ProducerConfig.METADATA_MAX_IDLE_CONFIG, Duration.ofDays(7).toMillis());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, service + "-" + instanceId + "-ingress");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static String suffix(int loop) {
    return loop == 0 ? "" : "-" + loop;
  }

  private Map<String, Object> common() {
    Map<String, Object> config = new HashMap<>(settings.kafkaProperties());
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    return config;
  }

  /**
   * A consumer whose records' keys read as null: the runtime reads the aggregate id of a command, an
   * event and an outcome from the record's value, so the key is not copied out of every record.
   */
  private static Consumer<byte[], byte[]> readCommitted(Map<String, Object> config) {
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new UnreadKey(), new ByteArrayDeserializer());
  }

  /** Deserializes every key to null without copying it. */
  private static final class UnreadKey implements Deserializer<byte[]> {
    @Override
    public byte @Nullable [] deserialize(String topic, byte @Nullable [] data) {
      return null;
    }

    @Override
    public byte @Nullable [] deserialize(String topic, Headers headers, byte @Nullable [] data) {
      return null;
    }

    @Override
    public byte @Nullable [] deserialize(String topic, Headers headers, @Nullable ByteBuffer data) {
      return null;
    }
  }
}
