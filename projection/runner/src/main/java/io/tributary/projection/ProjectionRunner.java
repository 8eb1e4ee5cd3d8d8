package io.tributary.projection;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.internal.PartitionProjector;
import io.tributary.projection.internal.ProjectionLoop;
import io.tributary.projection.internal.ProjectionMetrics;
import io.tributary.projection.internal.SinkCalls;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.internal.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Runs one projection of a service: consumes {@code <service>.events} ({@code read_committed}) in
 * the consumer group {@code <service>.<projection>.v<version>} and applies, per partition and poll,
 * the updates of every event to a {@link ViewSink}, tagged with the event's position.
 *
 * <p><b>Positions.</b> The sink's position is the source of truth: when a partition is assigned the
 * runner asks {@link ViewSink#position} and resumes after it (from the beginning if there is none).
 * Committed Kafka offsets are written after each batch, as a hint for tools only. Every event moves
 * the position, including events of aggregate types the projection does not read (they carry no
 * updates). Positions are kept under the projection's name.
 *
 * <p><b>Errors.</b> A {@link io.tributary.core.error.TransientException} from the sink is retried
 * with the settings' exponential backoff, without moving on. When the attempts run out, or the sink
 * throws a {@link io.tributary.core.error.PermanentException}, or an event does not decode, or the
 * handler throws, the partition stops: it is paused, the reason appears in {@link
 * #stoppedPartitions()} and is logged with topic, partition and offset, and no later event of it is
 * applied. The updates of the events before the failing one are applied. A stopped partition
 * resumes when a new runner starts. Events are never skipped; parking a failing event so the
 * partition moves on is not offered yet.
 *
 * <p><b>Threading.</b> The consumer runs on a thread of its own, which is the only caller of the
 * sink; the sink is not closed by the runner. The accessors and {@link #close()} may be called from
 * any thread.
 */
@Experimental
public final class ProjectionRunner implements AutoCloseable {
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

  private final String groupId;
  private final ProjectionLoop loop;
  private final Thread thread;

  private ProjectionRunner(String groupId, ProjectionLoop loop) {
    this.groupId = groupId;
    this.loop = loop;
    this.thread = Thread.ofPlatform().name("tributary-projection-" + groupId).start(loop);
  }

  /** Starts a runner whose meters go to a registry of its own; see {@link #start(ServiceDefinition, ProjectionDefinition, ViewSink, ProjectionSettings, MeterRegistry)}. */
  public static ProjectionRunner start(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, ProjectionSettings settings) {
    return start(service, projection, sink, settings, new SimpleMeterRegistry());
  }

  /**
   * Starts consuming at once; returns before any partition is assigned.
   *
   * @param meters receives {@code tributary.projection.events} and {@code tributary.projection.lag}
   * @throws IllegalArgumentException if a source of {@code projection} is not an aggregate type of
   *     {@code service}, naming it and the known types
   * @throws org.apache.kafka.common.KafkaException if the consumer cannot be created from the settings
   */
  public static ProjectionRunner start(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, ProjectionSettings settings, MeterRegistry meters) {
    Objects.requireNonNull(sink, "sink");
    for (String source : projection.sources()) {
      if (service.findAggregate(source).isEmpty()) {
        throw new IllegalArgumentException("Projection '" + projection.name() + "' reads aggregate type '" + source
            + "', which service '" + service.name() + "' does not declare; known types: "
            + service.aggregates().stream().map(type -> type.name()).toList() + ". Fix the projection's sources.");
      }
    }
    String groupId = service.name() + "." + projection.name() + ".v" + projection.version();
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(settings, groupId),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    ProjectionMetrics metrics = null;
    try {
      metrics = new ProjectionMetrics(meters, service.name(), projection.name());
      ProjectionLoop loop = newLoop(service, projection, sink, settings, consumer, metrics);
      return new ProjectionRunner(groupId, loop);
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      consumer.close();
      throw e;
    }
  }

  private static ProjectionLoop newLoop(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, ProjectionSettings settings, KafkaConsumer<byte[], byte[]> consumer, ProjectionMetrics metrics) {
    CountDownLatch closing = new CountDownLatch(1);
    return new ProjectionLoop(consumer, Topics.of(service.name()).events(), projection.name(), sink,
        new PartitionProjector(service, projection), new SinkCalls(settings, closing), metrics,
        settings.pollTimeout(), closing);
  }

  private static Map<String, Object> consumerConfig(ProjectionSettings settings, String groupId) {
    Map<String, Object> config = new HashMap<>(settings.kafkaProperties());
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxBatchRecords());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return config;
  }

  /** @return the consumer group, {@code <service>.<projection>.v<version>} */
  public String groupId() {
    return groupId;
  }

  /** @return the stopped partitions of the events topic, each with the reason; empty while all run */
  public Map<Integer, String> stoppedPartitions() {
    return loop.stoppedPartitions();
  }

  /** @return true until the consumer thread has ended, by {@link #close()} or by a failure */
  public boolean isRunning() {
    return loop.isRunning();
  }

  /** @return why the consumer thread ended by itself (for example, the brokers refused the group), or null */
  public @Nullable Throwable failure() {
    return loop.failure();
  }

  /**
   * Stops consuming: the sink call in progress finishes (a retry wait is cut short), then the
   * consumer leaves the group and closes. The sink stays open. Idempotent.
   *
   * @throws IllegalStateException if the thread did not end within 60 s (a sink call that hangs
   *     past its own timeout); the thread is left to end by itself
   */
  @Override
  public void close() {
    loop.close();
    try {
      if (!loop.awaitEnd(CLOSE_WAIT)) {
        throw new IllegalStateException("Projection runner " + groupId + " did not stop within " + CLOSE_WAIT
            + "; its thread " + thread.getName() + " is blocked, most likely in a sink call. Check the sink's "
            + "timeouts.");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ProjectionRunner[" + groupId + ", stopped=" + List.copyOf(stoppedPartitions().keySet()) + "]";
  }
}
