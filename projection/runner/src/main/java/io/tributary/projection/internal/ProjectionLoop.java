package io.tributary.projection.internal;

import io.tributary.projection.ProjectionStatus;
import io.tributary.projection.sink.ViewSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's thread: polls the events topic and hands each partition's records to the {@link
 * BatchProcessor}. On assignment a partition resumes after the sink's position, or, for a stateful
 * projection, at {@code min(state offset, sink position + 1)} so the replay rebuilds the state while
 * the sink skips what it holds. Committed offsets are written after each batch as a hint only. A
 * partition the processor stops is paused, its reason kept and logged, and nothing after it applied.
 *
 * <p>A {@link FaultInjector.SimulatedCrash} ends the thread as a crash would: no state written, no
 * offset committed, no snapshot taken. Owns and closes the consumer, the parked-events producer and
 * the keyed state stores. Every method but {@link #run()} may be called from any thread.
 */
public final class ProjectionLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ProjectionLoop.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final String groupId;
  private final String positionsId;
  private final ViewSink sink;
  private final BatchProcessor processor;
  private final SinkCalls sinkCalls;
  private final @Nullable KeyedStates states;
  private final @Nullable ParkedEvents parked;
  private final ProjectionMetrics metrics;
  private final Duration pollTimeout;
  private final CountDownLatch closing;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Map<Integer, String> stopped = new ConcurrentHashMap<>();
  private final Map<Integer, PartitionRun> runs = new ConcurrentHashMap<>();
  private final @Nullable ExecutorService workers;
  private volatile @Nullable Throwable failure;
  private volatile boolean crashed;

  /**
   * @param positionsId the id the sink keeps positions under, {@code <projection>.v<version>}
   * @param states the keyed state stores of a stateful projection, else null; closed by the loop
   * @param parked the parked-events writer when parking, else null; closed by the loop
   * @param closing counted down by {@link #close()}; the same latch {@code sinkCalls} waits on
   * @param parallelism how many partitions of a poll are processed at the same time; 1 processes
   *     them one after the other on the loop's thread
   */
  public ProjectionLoop(Consumer<byte[], byte[]> consumer, String topic, String groupId, String positionsId,
      ViewSink sink, BatchProcessor processor, SinkCalls sinkCalls, @Nullable KeyedStates states,
      @Nullable ParkedEvents parked, ProjectionMetrics metrics, Duration pollTimeout, CountDownLatch closing,
      int parallelism) {
    this.workers = parallelism > 1 ? Executors.newFixedThreadPool(parallelism,
        Thread.ofPlatform().name("tributary-projection-" + groupId + "-worker-", 0).daemon().factory()) : null;
    this.consumer = consumer;
    this.topic = topic;
    this.groupId = groupId;
    this.positionsId = positionsId;
    this.sink = sink;
    this.processor = processor;
    this.sinkCalls = sinkCalls;
    this.states = states;
    this.parked = parked;
    this.metrics = metrics;
    this.pollTimeout = pollTimeout;
    this.closing = closing;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebalance());
      while (closing.getCount() > 0) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
        List<TopicPartition> due = new ArrayList<>(records.partitions().size());
        for (TopicPartition partition : records.partitions()) {
          if (runs.containsKey(partition.partition()) && !stopped.containsKey(partition.partition())) {
            due.add(partition);
          }
        }
        processAll(due, records);
        for (TopicPartition partition : consumer.assignment()) {
          consumer.currentLag(partition).ifPresent(lag -> {
            metrics.lag(partition.partition(), lag);
            PartitionRun run = runs.get(partition.partition());
            if (run != null) {
              run.lag(lag);
            }
          });
        }
      }
    } catch (FaultInjector.SimulatedCrash crash) {
      crashed = true;
      failure = crash;
      log.warn("Projection {} on {}: {}", groupId, topic, crash.getMessage());
    } catch (RuntimeException e) {
      if (closing.getCount() > 0) {
        failure = e;
        log.error("Projection {} on {} ended: {}. Its partitions stay where the sink holds them; start a new "
            + "runner to resume.", groupId, topic, e.toString(), e);
      }
    } finally {
      closeAll();
      ended.countDown();
    }
  }

  /**
   * Processes the due partitions of one poll: one after the other on this thread, or each on a
   * worker at the same time (a partition is never on two threads). Offsets are committed and stops
   * recorded on this thread once every partition is done. A failure of one partition (a crash,
   * the runner closing) is thrown once the others have finished, so that nothing is still writing
   * when the loop closes its stores.
   */
  private void processAll(List<TopicPartition> due, ConsumerRecords<byte[], byte[]> records) {
    if (workers == null || due.size() < 2) {
      for (TopicPartition partition : due) {
        if (closing.getCount() == 0) {
          return;
        }
        PartitionRun run = runs.get(partition.partition());
        finish(partition, run, processor.process(run, records.records(partition)));
      }
      return;
    }
    List<Future<BatchProcessor.@Nullable Stop>> results = new ArrayList<>(due.size());
    for (TopicPartition partition : due) {
      PartitionRun run = runs.get(partition.partition());
      results.add(workers.submit(() -> processor.process(run, records.records(partition))));
    }
    List<BatchProcessor.@Nullable Stop> stops = new ArrayList<>(due.size());
    Throwable failed = null;
    for (Future<BatchProcessor.@Nullable Stop> result : results) {
      try {
        stops.add(result.get());
      } catch (ExecutionException e) {
        failed = keepFirst(failed, e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed = keepFirst(failed, new SinkCalls.Closing());
      }
    }
    if (failed instanceof Error error) {
      throw error;
    }
    if (failed instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failed != null) {
      throw new IllegalStateException("Processing a partition failed: " + failed, failed);
    }
    for (int i = 0; i < due.size(); i++) {
      finish(due.get(i), runs.get(due.get(i).partition()), stops.get(i));
    }
  }

  private static Throwable keepFirst(@Nullable Throwable first, Throwable next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private void finish(TopicPartition partition, PartitionRun run, BatchProcessor.@Nullable Stop stop) {
    run.sinkPosition().ifPresent(position ->
        consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(position + 1)), (offsets, error) -> {
          if (error != null) {
            log.debug("Committing the offset hint of {} failed; the sink's position still holds: {}", partition,
                error.toString());
          }
        }));
    if (stop != null) {
      stop(partition, stop.at(), stop.reason(), stop.cause());
    }
  }

  private void stop(TopicPartition partition, String at, String reason, Throwable cause) {
    consumer.pause(List.of(partition));
    stopped.put(partition.partition(), reason);
    log.error("Projection {} stopped partition {} (topic {}, partition {}) at {}: {} Nothing after it is applied "
        + "until the cause is fixed and the runner restarted.", groupId, partition, partition.topic(),
        partition.partition(), at, reason, cause);
  }

  private void closeAll() {
    if (workers != null) {
      // every batch a worker ran has ended: processAll waits for all of them before it returns or throws
      workers.shutdownNow();
    }
    try {
      consumer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      log.warn("Closing the consumer of projection {} failed: {}", groupId, e.toString());
    }
    runs.clear();
    try {
      if (states != null) {
        states.close();
      }
    } catch (RuntimeException e) {
      log.warn("Closing the keyed state of projection {} failed; the next start replays its log: {}", groupId,
          e.toString());
    } finally {
      try {
        if (parked != null) {
          parked.close();
        }
      } finally {
        metrics.close();
      }
    }
  }

  /** @return the stopped partitions of the events topic, each with the reason */
  public Map<Integer, String> stoppedPartitions() {
    return Map.copyOf(stopped);
  }

  /** @return the status of every assigned partition */
  public ProjectionStatus status() {
    Map<Integer, ProjectionStatus.PartitionStatus> partitions = new TreeMap<>();
    runs.forEach((partition, run) -> partitions.put(partition, new ProjectionStatus.PartitionStatus(partition,
        run.sinkPosition(), run.lag(), stopped.get(partition), processor.parkedCount(partition))));
    return new ProjectionStatus(groupId, isRunning(), new TreeMap<>(partitions));
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
    if (isRunning()) {
      consumer.wakeup();
    }
  }

  /** @return true if the loop ended within {@code timeout} */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Opens each assigned partition where its sink and state say; releases revoked ones. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        if (stopped.containsKey(partition.partition())) {
          consumer.pause(List.of(partition));
          runs.put(partition.partition(), new PartitionRun(partition.partition(), OptionalLong.empty(), null));
          continue;
        }
        assign(partition);
      }
    }

    private void assign(TopicPartition partition) {
      int p = partition.partition();
      OptionalLong position;
      try {
        position = sinkCalls.call("the position of projection " + positionsId + " " + partition,
            () -> sink.position(positionsId, p));
      } catch (SinkCalls.Closing e) {
        throw e;
      } catch (RuntimeException e) {
        runs.put(p, new PartitionRun(p, OptionalLong.empty(), null));
        stop(partition, "its start", "Cannot read the sink's position: " + e.getMessage(), e);
        return;
      }
      long resume = position.isPresent() ? position.getAsLong() + 1 : 0;
      PartitionState state = null;
      if (states != null) {
        try {
          state = states.open(p);
        } catch (RuntimeException e) {
          runs.put(p, new PartitionRun(p, position, null));
          stop(partition, "its start", "Cannot open the keyed state: " + e.getMessage(), e);
          return;
        }
        resume = Math.min(resume, state.nextOffset());
      }
      runs.put(p, new PartitionRun(p, position, state));
      if (resume == 0) {
        consumer.seekToBeginning(List.of(partition));
      } else {
        consumer.seek(partition, resume);
      }
      log.info("Projection {} resumes {} at offset {} (sink holds {}{})", groupId, partition, resume,
          position.isPresent() ? String.valueOf(position.getAsLong()) : "nothing",
          state != null ? ", keyed state is before offset " + state.nextOffset() : "");
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // batches are applied before the next poll: nothing is in flight. After a crash the state may
      // be half-done, so no snapshot of it.
      release(partitions, !crashed);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // another runner may own them already: no snapshot of state that may be stale
      release(partitions, false);
    }

    private void release(Collection<TopicPartition> partitions, boolean snapshot) {
      for (TopicPartition partition : partitions) {
        runs.remove(partition.partition());
        if (states != null) {
          try {
            states.release(partition.partition(), snapshot);
          } catch (RuntimeException e) {
            log.warn("Closing the keyed state of {} {} failed; its next owner replays more of the log: {}", groupId,
                partition, e.toString());
          }
        }
      }
    }
  }
}
