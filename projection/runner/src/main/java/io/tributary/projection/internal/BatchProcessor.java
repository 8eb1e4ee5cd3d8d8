package io.tributary.projection.internal;

import io.tributary.core.error.TransientException;
import io.tributary.projection.sink.SourcePosition;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Projects and applies one poll's records of one partition, in this order: each record is
 * projected (with the partition's keyed state, whose reads see the batch's earlier writes); an
 * event that cannot be projected stops the batch there or, when parking, is parked and replaced by
 * an empty entry; the sink applies the batch ({@link FaultPoint#BEFORE_SINK_WRITE} before, {@link
 * FaultPoint#AFTER_SINK_WRITE} after); then the keyed state and the next offset are written to the
 * partition's store in one write batch, and a snapshot is taken if due.
 *
 * <p>When parking and the sink refuses the batch permanently, the batch is applied again one entry
 * at a time: the entries before the refused one apply normally, the refused one is parked and
 * replaced by an empty entry, and so on to the end. A transient failure that exhausts its retries
 * stops the partition even when parking, since it is not the event's fault.
 *
 * <p>An event at or below the sink's position that fails again during a replay (keyed state is
 * being rebuilt) was parked when first seen, and is not parked twice. Thread-safe: the runner calls
 * it for several partitions at once, each partition on one thread at a time.
 */
public final class BatchProcessor {
  /** Why a partition stops: where, the reason to show, the cause. */
  public record Stop(String at, String reason, Throwable cause) {}

  private final PartitionProjector projector;
  private final ViewSink sink;
  private final String positionsId;
  private final SinkCalls sinkCalls;
  private final @Nullable ParkedEvents parked;
  private final @Nullable KeyedStates states;
  private final ProjectionMetrics metrics;
  private final FaultInjector faults;
  private final Map<Integer, AtomicLong> parkedCounts = new ConcurrentHashMap<>();

  /**
   * @param positionsId the id the sink keeps positions under, {@code <projection>.v<version>}
   * @param parked where failing events go; null to stop their partition instead
   * @param states the keyed state stores; null for a stateless projection
   */
  public BatchProcessor(PartitionProjector projector, ViewSink sink, String positionsId, SinkCalls sinkCalls,
      @Nullable ParkedEvents parked, @Nullable KeyedStates states, ProjectionMetrics metrics, FaultInjector faults) {
    this.projector = projector;
    this.sink = sink;
    this.positionsId = positionsId;
    this.sinkCalls = sinkCalls;
    this.parked = parked;
    this.states = states;
    this.metrics = metrics;
    this.faults = faults;
  }

  /**
   * @param records the poll's records of {@code run}'s partition, in offset order
   * @return null if the partition goes on, else why it stops; the events before the stop are applied
   * @throws SinkCalls.Closing if the runner closed during a retry wait; nothing after the last applied entry moved
   */
  public @Nullable Stop process(PartitionRun run, List<ConsumerRecord<byte[], byte[]>> records) {
    PartitionState state = run.state();
    List<SourcedUpdates> batch = new ArrayList<>(records.size());
    Stop stop = null;
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        batch.add(projector.project(record, state == null ? null : state.forEvent()));
        if (state != null) {
          state.commitEvent();
        }
      } catch (PartitionProjector.Failure failure) {
        if (state != null) {
          state.discardEvent();
        }
        stop = parkOrStop(run, record, failure.aggregateId(), failure.getMessage(), failure);
        if (stop != null) {
          break;
        }
        batch.add(empty(record));
      }
    }
    if (batch.isEmpty()) {
      return stop;
    }
    faults.at(FaultPoint.BEFORE_SINK_WRITE);
    Stop refused = apply(run, batch, records);
    if (refused != null) {
      if (state != null) {
        state.discardBatch();
      }
      return refused;
    }
    faults.at(FaultPoint.AFTER_SINK_WRITE);
    long last = batch.getLast().source().offset();
    run.applied(last);
    metrics.applied(batch.size());
    if (state != null) {
      try {
        // after the sink: a crash before this line is healed by replaying from the stored offset
        state.write(last + 1);
      } catch (RuntimeException e) {
        state.discardBatch();
        return new Stop("offset " + last, "Cannot write the keyed state of partition " + run.partition() + ": "
            + e.getMessage(), e);
      }
      if (states != null) {
        states.afterBatch(state);
      }
    }
    return stop;
  }

  /** @return the events of {@code partition} parked by this runner */
  public long parkedCount(int partition) {
    AtomicLong count = parkedCounts.get(partition);
    return count == null ? 0 : count.get();
  }

  /** Applies the batch; when parking and it is refused, entry by entry. @return null, or why to stop */
  private @Nullable Stop apply(PartitionRun run, List<SourcedUpdates> batch, List<ConsumerRecord<byte[], byte[]>> records) {
    long first = batch.getFirst().source().offset();
    long last = batch.getLast().source().offset();
    String where = "projection '%s' partition %d offsets %d..%d".formatted(positionsId, run.partition(), first, last);
    RuntimeException refusal;
    try {
      if (faults.splitsSinkWrites() && batch.size() > 1) {
        int half = batch.size() / 2;
        call(where, run.partition(), batch.subList(0, half));
        faults.at(FaultPoint.MID_SINK_WRITE);
        call(where, run.partition(), batch.subList(half, batch.size()));
      } else {
        call(where, run.partition(), batch);
      }
      return null;
    } catch (SinkCalls.Closing | SinkCalls.GaveUp e) {
      return stopOn(e, "offsets " + first + ".." + last, where);
    } catch (RuntimeException e) {
      refusal = e;
    }
    if (parked == null) {
      return stopOn(refusal, "offsets " + first + ".." + last, where);
    }
    for (int i = 0; i < batch.size(); i++) {
      SourcedUpdates entry = batch.get(i);
      long offset = entry.source().offset();
      String one = "projection '%s' partition %d offset %d".formatted(positionsId, run.partition(), offset);
      try {
        call(one, run.partition(), List.of(entry));
        continue;
      } catch (SinkCalls.Closing | SinkCalls.GaveUp e) {
        return stopOn(e, "offset " + offset, one);
      } catch (RuntimeException e) {
        ConsumerRecord<byte[], byte[]> record = records.get(i); // entry i is record i: every record has one
        Stop stop = parkOrStop(run, record, PartitionProjector.aggregateIdOf(record),
            "The sink refused " + one + ": " + e.getMessage(), e);
        if (stop != null) {
          return stop;
        }
      }
      try {
        call(one, run.partition(), List.of(empty(records.get(i))));
      } catch (SinkCalls.Closing e) {
        throw e;
      } catch (RuntimeException e) {
        return stopOn(e, "offset " + offset, "the empty entry of parked " + one);
      }
    }
    return null;
  }

  private @Nullable Stop parkOrStop(PartitionRun run, ConsumerRecord<byte[], byte[]> record,
      @Nullable String aggregateId, String error, Throwable cause) {
    if (parked == null) {
      return new Stop("offset " + record.offset(), error, cause);
    }
    if (run.sinkHolds(record.offset())) {
      return null; // parked when it was first seen; this is a replay rebuilding keyed state
    }
    try {
      parked.park(record, aggregateId, error);
    } catch (TransientException e) {
      return new Stop("offset " + record.offset(), "Cannot park (" + error + "): " + e.getMessage(), e);
    }
    parkedCounts.computeIfAbsent(run.partition(), p -> new AtomicLong()).incrementAndGet();
    metrics.parked(run.partition());
    return null;
  }

  private void call(String where, int partition, List<SourcedUpdates> entries) {
    sinkCalls.call(where, () -> {
      long started = System.nanoTime();
      try {
        sink.apply(positionsId, partition, entries);
      } finally {
        metrics.sinkCall(System.nanoTime() - started);
      }
      return null;
    });
  }

  private static Stop stopOn(RuntimeException e, String at, String where) {
    if (e instanceof SinkCalls.Closing closing) {
      throw closing;
    }
    return new Stop(at, e instanceof SinkCalls.GaveUp ? e.getMessage() : "The sink refused " + where + ": "
        + e.getMessage(), e);
  }

  private static SourcedUpdates empty(ConsumerRecord<byte[], byte[]> record) {
    return new SourcedUpdates(new SourcePosition(record.partition(), record.offset()), List.of());
  }
}
