package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.CommandRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The batches a task loop is deciding and has not sent yet, by partition, with the limit on how many
 * commands they hold together ({@code maxBatchRecords}), how long deciding them took and when their
 * oldest command was appended. A poll may return more than fits: the records that do not fit are
 * left to be read again. Used by the task loop's thread only, but for {@link #commandCount}.
 */
final class OpenBatches {
  private final int maxCommands;
  private final Map<Integer, PartitionBatch> batches = new HashMap<>();
  /** Written by the task loop's thread; volatile for the {@code tributary.batch.open} gauge. */
  private volatile int commands;
  private long decideNanos;
  private long oldestAppend = Long.MAX_VALUE;

  OpenBatches(int maxCommands) {
    this.maxCommands = maxCommands;
  }

  /**
   * Decides as many of {@code records} (one partition's, in offset order) as fit into the
   * partition's open batch, created by {@code newBatch} if there is none.
   *
   * @return the offset of the first record not decided, to read again from, or -1 if all were
   */
  long decide(int partition, List<ConsumerRecord<byte[], byte[]>> records, IntFunction<PartitionBatch> newBatch) {
    int taken = Math.min(maxCommands - commands, records.size());
    if (taken <= 0) {
      return records.getFirst().offset();
    }
    long started = System.nanoTime();
    PartitionBatch batch = batches.computeIfAbsent(partition, newBatch::apply);
    for (ConsumerRecord<byte[], byte[]> record : records.subList(0, taken)) {
      batch.decide(record.offset(), record.value());
    }
    commands += taken;
    decideNanos += System.nanoTime() - started;
    oldestAppend = Math.min(oldestAppend, records.getFirst().timestamp());
    return taken < records.size() ? records.get(taken).offset() : -1;
  }

  /**
   * Decides a command handed over by this instance's gateway (ADR 0009) into the partition's open
   * batch, created by {@code newBatch} if there is none. Call it only while the batches are not
   * {@linkplain #isFull full}.
   */
  void decideHanded(int partition, CommandRecord command, IntFunction<PartitionBatch> newBatch) {
    long started = System.nanoTime();
    batches.computeIfAbsent(partition, newBatch::apply).decideHanded(command);
    commands++;
    decideNanos += System.nanoTime() - started;
    oldestAppend = Math.min(oldestAppend, command.getTimestampMicros() / 1000);
  }

  /** @return whether the batches hold {@code maxCommands}: nothing more can be decided until they are sent */
  boolean isFull() {
    return commands >= maxCommands;
  }

  /** @return how many commands the open batches hold; may be read from any thread */
  int commandCount() {
    return commands;
  }

  /** @return how long deciding the open batches took, in nanoseconds */
  long decideNanos() {
    return decideNanos;
  }

  /**
   * @return the append timestamp (the producer's clock; for a handed command, the gateway's) of the
   *     oldest command decided since the last {@link #drain} (a dropped batch's included), or {@code
   *     Long.MAX_VALUE} if none was
   */
  long oldestAppend() {
    return oldestAppend;
  }

  boolean isEmpty() {
    return batches.isEmpty();
  }

  /** Tells every open batch that the batch in flight before it is in the stores now; see {@link PartitionBatch#inFlightApplied}. */
  void inFlightApplied() {
    batches.values().forEach(PartitionBatch::inFlightApplied);
  }

  /**
   * Drops the open batch of a partition that was revoked: nothing of it was sent.
   *
   * @return the commands handed over that it held, for the partition's new owner
   */
  List<CommandRecord> drop(int partition) {
    PartitionBatch dropped = batches.remove(partition);
    if (dropped == null) {
      return List.of();
    }
    commands -= dropped.commandCount();
    return dropped.handed();
  }

  /** @return the open batches, still open */
  Collection<PartitionBatch> open() {
    return batches.values();
  }

  /** @return the open batches, to send in one transaction; none is open afterwards */
  List<PartitionBatch> drain() {
    List<PartitionBatch> drained = new ArrayList<>(batches.values());
    batches.clear();
    commands = 0;
    decideNanos = 0;
    oldestAppend = Long.MAX_VALUE;
    return drained;
  }
}
