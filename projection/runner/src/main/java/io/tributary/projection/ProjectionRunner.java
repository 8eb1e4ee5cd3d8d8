package io.tributary.projection;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.internal.BatchProcessor;
import io.tributary.projection.internal.FaultInjector;
import io.tributary.projection.internal.KeyedStates;
import io.tributary.projection.internal.ParkedEvents;
import io.tributary.projection.internal.PartitionProjector;
import io.tributary.projection.internal.ProjectionLoop;
import io.tributary.projection.internal.ProjectionMetrics;
import io.tributary.projection.internal.SinkCalls;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.internal.Topics;
import java.time.Clock;
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
 * <p><b>Positions.</b> The sink's position is the source of truth. Positions are kept under {@link
 * ViewNames#positionsId} ({@code <projection>.v<version>}), so two versions of a projection never
 * share them. When a partition is assigned the runner asks {@link ViewSink#position} and resumes
 * after it (from the beginning if there is none). Committed Kafka offsets are written after each
 * batch, as a hint for tools only. Every event moves the position, including events of aggregate
 * types the projection does not read (they carry no updates).
 *
 * <p><b>Keyed state</b> ({@link ProjectionDefinition.Handler#stateful()}). Each assigned partition
 * has a RocksDB store (the command side's format) in {@code
 * <stateDir>/<service>.<projection>.v<version>/<partition>}. Within a batch the handler's reads see
 * the batch's earlier writes; after the sink applied the batch, its writes and the next offset are
 * stored in one write batch. On assignment the partition resumes at {@code min(state offset, sink
 * position + 1)}: the replayed events rebuild the state while the sink skips what it holds. A
 * missing or unreadable local store is restored from the newest valid snapshot ({@link
 * ProjectionSettings#snapshots()}, service name {@code <service>.<projection>.v<version>}), else
 * rebuilt from the start of the log. Snapshots are taken by {@link
 * ProjectionSettings#snapshotPolicy()} and on every graceful revoke. A stateless projection opens no
 * store.
 *
 * <p><b>Errors.</b> A {@link io.tributary.core.error.TransientException} from the sink is retried
 * with the settings' exponential backoff, without moving on. An event that does not decode, that
 * the handler cannot project, or that the sink refuses permanently is handled by the projection's
 * {@link ProjectionDefinition.OnFailure}:
 *
 * <ul>
 *   <li>{@code STOP}: the partition stops. It is paused, the reason appears in {@link #status()}
 *       and {@link #stoppedPartitions()} and is logged with topic, partition and offset, and no later
 *       event of it is applied. The events before the failing one are applied (a batch the sink
 *       refuses is not applied at all). A stopped partition resumes when a new runner starts.
 *   <li>{@code PARK}: the event is written to {@code <service>.<projection>.parked} (see {@link
 *       ParkedEventHeaders}) and acknowledged by every in-sync replica, then an empty entry at its
 *       offset moves the sink's position past it, and the partition goes on. A batch the sink
 *       refuses is applied again one event at a time, so only the refused events are parked. A
 *       crash between parking and moving the position parks the event again: parked events are at
 *       least once, and carry their source position. A handler's keyed-state writes for an event it
 *       failed on are dropped; those of an event the sink refused are kept (the handler did project
 *       it), exactly as a replay would compute them.
 * </ul>
 *
 * A transient sink failure that exhausts its retries stops the partition under both policies: it
 * is the store's fault, not the event's, and parking would lose views that a restart applies.
 *
 * <p><b>Status and metrics.</b> {@link #status()} reports per assigned partition the sink position,
 * the lag, the stop reason and the parked count. Meters, tagged {@code service}, {@code projection}
 * and {@code version}: {@code tributary.projection.events} (counter of events given to the sink;
 * events per second derive from it), {@code tributary.projection.lag} (gauge per {@code partition}),
 * {@code tributary.projection.sink.latency} (timer per sink apply call), {@code
 * tributary.projection.parked} (counter per {@code partition}); stateful projections add the
 * snapshot meters of the command side ({@code tributary.snapshot.*}, {@code service} being {@code
 * <service>.<projection>.v<version>}).
 *
 * <p><b>Threading.</b> The consumer runs on a thread of its own. The batches of one poll are
 * projected and written by up to {@link ProjectionSettings#parallelism()} worker threads, one
 * partition per thread at a time, so the sink (thread-safe by its contract) writes one partition's
 * batch while the next is prepared; each partition's events still apply in order. Offsets are
 * committed by the consumer's thread once the poll's batches are done. The sink is not closed by
 * the runner. The accessors and {@link #close()} may be called from any thread.
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
   * Starts consuming at once; returns before any partition is assigned. A parking projection's
   * parked topic is created here if it is absent.
   *
   * @param meters receives the meters listed in the class documentation
   * @throws IllegalArgumentException if a source of {@code projection} is not an aggregate type of
   *     {@code service}, naming it and the known types
   * @throws org.apache.kafka.common.KafkaException if the consumer cannot be created from the settings
   * @throws io.tributary.core.error.TransientException if the parked topic cannot be created
   */
  public static ProjectionRunner start(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, ProjectionSettings settings, MeterRegistry meters) {
    return start(service, projection, sink, settings, meters, FaultInjector.none());
  }

  /** As {@link #start(ServiceDefinition, ProjectionDefinition, ViewSink, ProjectionSettings, MeterRegistry)}, reporting to {@code faults}: for tests that simulate crashes. */
  static ProjectionRunner start(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection,
      ViewSink sink, ProjectionSettings settings, MeterRegistry meters, FaultInjector faults) {
    Objects.requireNonNull(sink, "sink");
    for (String source : projection.sources()) {
      if (service.findAggregate(source).isEmpty()) {
        throw new IllegalArgumentException("Projection '" + projection.name() + "' reads aggregate type '" + source
            + "', which service '" + service.name() + "' does not declare; known types: "
            + service.aggregates().stream().map(type -> type.name()).toList() + ". Fix the projection's sources.");
      }
    }
    String groupId = service.name() + "." + projection.versionedName();
    ProjectionMetrics metrics = null;
    ParkedEvents parked = null;
    KafkaConsumer<byte[], byte[]> consumer = null;
    try {
      metrics = new ProjectionMetrics(meters, service.name(), projection.name(), projection.version());
      if (projection.onFailure() == ProjectionDefinition.OnFailure.PARK) {
        parked = ParkedEvents.open(settings, service.name(), projection.name(), projection.version());
      }
      KeyedStates states = projection.handler().stateful()
          ? KeyedStates.create(groupId, settings, meters, Clock.systemUTC()) : null;
      consumer = new KafkaConsumer<>(consumerConfig(settings, groupId), new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
      CountDownLatch closing = new CountDownLatch(1);
      String positionsId = ViewNames.positionsId(projection.name(), projection.version());
      SinkCalls sinkCalls = new SinkCalls(settings, closing);
      BatchProcessor processor = new BatchProcessor(new PartitionProjector(service, projection), sink, positionsId,
          sinkCalls, parked, states, metrics, faults);
      ProjectionLoop loop = new ProjectionLoop(consumer, Topics.of(service.name()).events(), groupId, positionsId,
          sink, processor, sinkCalls, states, parked, metrics, settings.pollTimeout(), closing, settings.parallelism());
      return new ProjectionRunner(groupId, loop);
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      if (parked != null) {
        parked.close();
      }
      if (consumer != null) {
        consumer.close();
      }
      throw e;
    }
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

  /** @return per assigned partition: the sink position, lag, stop reason and parked count */
  public ProjectionStatus status() {
    return loop.status();
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
