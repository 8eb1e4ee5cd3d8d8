package io.tributary.runtime.internal;

import java.util.List;

/** Told by the task loop of the outcomes of each transaction once it has committed. */
@FunctionalInterface
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
}
