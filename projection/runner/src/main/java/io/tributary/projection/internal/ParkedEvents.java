package io.tributary.projection.internal;

import io.tributary.core.error.TransientException;
import io.tributary.projection.ParkedEventHeaders;
import io.tributary.projection.ProjectionSettings;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * Writes events a projection cannot take to {@code <service>.<projection>.parked} (one partition,
 * kept forever), with {@code acks=all} and idempotence, and waits for the acknowledgement: the
 * caller moves the sink's position past the event only after {@link #park} returned. Headers are
 * those of {@link ParkedEventHeaders}. Thread-safe (the producer is); owns its producer.
 */
public final class ParkedEvents implements AutoCloseable {
  private static final long SEND_WAIT_SECONDS = 180;

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final String projection;
  private final int version;

  ParkedEvents(Producer<byte[], byte[]> producer, String topic, String projection, int version) {
    this.producer = producer;
    this.topic = topic;
    this.projection = projection;
    this.version = version;
  }

  /**
   * Creates the parked topic if it is absent and opens the producer.
   *
   * @throws TransientException if the brokers cannot create or confirm the topic
   */
  public static ParkedEvents open(ProjectionSettings settings, String service, String projection, int version) {
    String topic = ParkedEventHeaders.topic(service, projection);
    Map<String, Object> common = new HashMap<>(settings.kafkaProperties());
    common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    try (Admin admin = Admin.create(common)) {
      NewTopic parked = new NewTopic(topic, Optional.of(1), Optional.empty())
          .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1"));
      admin.createTopics(List.of(parked)).all().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new TransientException("Cannot create the parked topic " + topic + ": " + e.getCause()
            + ". Check that the brokers are reachable and the runner may create topics, or create it yourself.", e);
      }
    } catch (TimeoutException e) {
      throw new TransientException("Creating the parked topic " + topic + " took more than 60 s. Check the brokers.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while creating the parked topic " + topic, e);
    }
    Map<String, Object> config = new HashMap<>(common);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-parked-" + service + "." + projection + ".v" + version);
    return new ParkedEvents(new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), topic,
        projection, version);
  }

  /** @return the parked topic */
  public String topic() {
    return topic;
  }

  /**
   * Writes {@code record} to the parked topic and waits until every in-sync replica has it.
   *
   * @param aggregateId the event's aggregate id, the parked record's key; null to keep the original key
   * @throws TransientException if the write is not acknowledged; nothing moved on
   */
  public void park(ConsumerRecord<byte[], byte[]> record, @Nullable String aggregateId, String error) {
    byte[] key = aggregateId != null ? utf8(aggregateId) : record.key();
    RecordHeaders headers = new RecordHeaders();
    headers.add(new RecordHeader(ParkedEventHeaders.SOURCE_TOPIC, utf8(record.topic())));
    headers.add(new RecordHeader(ParkedEventHeaders.SOURCE_PARTITION, utf8(String.valueOf(record.partition()))));
    headers.add(new RecordHeader(ParkedEventHeaders.SOURCE_OFFSET, utf8(String.valueOf(record.offset()))));
    headers.add(new RecordHeader(ParkedEventHeaders.PROJECTION, utf8(projection)));
    headers.add(new RecordHeader(ParkedEventHeaders.VERSION, utf8(String.valueOf(version))));
    headers.add(new RecordHeader(ParkedEventHeaders.ERROR, utf8(error)));
    String what = record.topic() + "/" + record.partition() + "@" + record.offset();
    try {
      producer.send(new ProducerRecord<>(topic, null, key, record.value(), headers))
          .get(SEND_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new TransientException("Cannot park the event at " + what + " in " + topic + ": " + e.getCause()
          + ". Check the brokers; the partition resumes at this event on restart.", e.getCause());
    } catch (TimeoutException e) {
      throw new TransientException("Parking the event at " + what + " in " + topic + " was not acknowledged within "
          + SEND_WAIT_SECONDS + " s. Check the brokers; the partition resumes at this event on restart.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while parking the event at " + what, e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(10));
  }
}
