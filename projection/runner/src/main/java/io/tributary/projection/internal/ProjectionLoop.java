package io.tributary.projection.internal;

import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's thread: polls the events topic, projects each partition's records and applies them
 * to the sink, one partition at a time. On assignment a partition resumes after the sink's
 * position; committed offsets are written after each batch as a hint only. A record that cannot be
 * projected, or a batch the sink refuses, stops its partition: it is paused, the reason is kept in
 * {@link #stoppedPartitions()} and logged, and nothing after it is applied.
 *
 * <p>Owns and closes the consumer. Every method but {@link #run()} may be called from any thread.
 */
public final class ProjectionLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ProjectionLoop.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final String projection;
  private final ViewSink sink;
  private final PartitionProjector projector;
  private final SinkCalls sinkCalls;
  private final ProjectionMetrics metrics;
  private final Duration pollTimeout;
  private final CountDownLatch closing;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Map<Integer, String> stopped = new ConcurrentHashMap<>();
  private volatile @Nullable Throwable failure;

  /** @param closing counted down by {@link #close()}; the same latch {@code sinkCalls} waits on */
  public ProjectionLoop(Consumer<byte[], byte[]> consumer, String topic, String projection, ViewSink sink,
      PartitionProjector projector, SinkCalls sinkCalls, ProjectionMetrics metrics, Duration pollTimeout,
      CountDownLatch closing) {
    this.closing = closing;
    this.consumer = consumer;
    this.topic = topic;
    this.projection = projection;
    this.sink = sink;
    this.projector = projector;
    this.sinkCalls = sinkCalls;
    this.metrics = metrics;
    this.pollTimeout = pollTimeout;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebalance());
      while (closing.getCount() > 0) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
        for (TopicPartition partition : records.partitions()) {
          if (closing.getCount() == 0) {
            break;
          }
          if (!stopped.containsKey(partition.partition())) {
            process(partition, records.records(partition));
          }
        }
        for (TopicPartition partition : consumer.assignment()) {
          consumer.currentLag(partition).ifPresent(lag -> metrics.lag(partition.partition(), lag));
        }
      }
    } catch (RuntimeException e) {
      if (closing.getCount() > 0) {
        failure = e;
        log.error("Projection '{}' on {} ended: {}. Its partitions stay where the sink holds them; start a new "
            + "runner to resume.", projection, topic, e.toString(), e);
      }
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.warn("Closing the consumer of projection '{}' failed: {}", projection, e.toString());
      }
      metrics.close();
      ended.countDown();
    }
  }

  private void process(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
    PartitionProjector.Projected projected = projector.project(records);
    List<SourcedUpdates> batch = projected.batch();
    if (!batch.isEmpty()) {
      long first = batch.getFirst().source().offset();
      long last = batch.getLast().source().offset();
      String where = "projection '%s' %s offsets %d..%d".formatted(projection, partition, first, last);
      try {
        sinkCalls.call(where, () -> {
          sink.apply(projection, partition.partition(), batch);
          return null;
        });
      } catch (SinkCalls.Closing e) {
        throw e;
      } catch (RuntimeException e) {
        stop(partition, "offsets " + first + ".." + last, "The sink refused " + where + ": " + e.getMessage(), e);
        return;
      }
      metrics.applied(batch.size());
      consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(last + 1)), (offsets, error) -> {
        if (error != null) {
          log.debug("Committing the offset hint of {} failed; the sink's position still holds: {}", partition,
              error.toString());
        }
      });
    }
    PartitionProjector.Stop stop = projected.stop();
    if (stop != null) {
      stop(partition, "offset " + stop.offset(), stop.reason(), stop.cause());
    }
  }

  private void stop(TopicPartition partition, String at, String reason, Throwable cause) {
    consumer.pause(List.of(partition));
    stopped.put(partition.partition(), reason);
    log.error("Projection '{}' stopped partition {} (topic {}, partition {}) at {}: {} Nothing after it is applied "
        + "until the cause is fixed and the runner restarted.", projection, partition, partition.topic(),
        partition.partition(), at, reason, cause);
  }

  /** @return the stopped partitions of the events topic, each with the reason */
  public Map<Integer, String> stoppedPartitions() {
    return Map.copyOf(stopped);
  }

  /** @return why the loop ended by itself, or null if it runs or was closed */
  public @Nullable Throwable failure() {
    return failure;
  }

  /** @return true until the loop has ended and closed its consumer */
  public boolean isRunning() {
    return ended.getCount() > 0;
  }

  /** Asks the loop to end: the current sink call finishes, a backoff wait or poll ends early. */
  public void close() {
    closing.countDown();
    consumer.wakeup();
  }

  /** @return true if the loop ended within {@code timeout} */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Seeks each assigned partition to just after the sink's position; re-pauses stopped ones. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        if (stopped.containsKey(partition.partition())) {
          consumer.pause(List.of(partition));
          continue;
        }
        OptionalLong position;
        try {
          position = sinkCalls.call("the position of projection '" + projection + "' " + partition,
              () -> sink.position(projection, partition.partition()));
        } catch (SinkCalls.Closing e) {
          throw e;
        } catch (RuntimeException e) {
          stop(partition, "its start", "Cannot read the sink's position: " + e.getMessage(), e);
          continue;
        }
        if (position.isPresent()) {
          consumer.seek(partition, position.getAsLong() + 1);
        } else {
          consumer.seekToBeginning(List.of(partition));
        }
        log.info("Projection '{}' resumes {} {}", projection, partition,
            position.isPresent() ? "after offset " + position.getAsLong() : "from the beginning");
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // batches are applied before the next poll: nothing is in flight
    }
  }
}
