package io.tributary.runtime.internal;

import java.util.List;

/**
 * Told by a task loop which partitions it owns, and of the outcomes of each transaction once it has
 * committed.
 */
public interface OutcomeListener {
  /**
   * Called on the task loop's committer thread right after {@code commitTransaction} returned, once per
   * partition of the transaction; must return quickly. The list is not copied; the task loop does
   * not change it after the call.
   *
   * @param partition the partition of the commands, events and outcomes topics
   * @param firstOffset the offset of the first outcome appended to the outcomes topic, or -1 if
   *     none was (an acceptance with events that no other instance waits for is not appended: ADR
   *     0008); the appended ones occupy {@code firstOffset} to {@code lastOffset}, as the
   *     partition's owner is its only writer
   * @param lastOffset the offset of the last outcome appended, or -1
   * @param outcomes every outcome of the transaction in the partition, appended or not
   */
  void committed(int partition, long firstOffset, long lastOffset, List<DecidedOutcome> outcomes);

  /**
   * Called on the task loop's thread when it takes {@code partition}, after its replay and before it
   * decides any command of it: every outcome record of the partition from {@code outcomesFrom} on is
   * this loop's, until {@link #released}.
   *
   * @param outcomesFrom where the replay of the outcomes partition ended
   */
  void owned(int partition, long outcomesFrom);

  /**
   * Called on the task loop's thread when it no longer owns {@code partition}, after its last
   * transaction ended (and was reported through {@link #committed} if it committed).
   */
  void released(int partition);
}
