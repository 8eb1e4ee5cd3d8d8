package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.List;

/** Told by the task loop of the outcomes of each transaction once it has committed. */
@FunctionalInterface
public interface OutcomeListener {
  /**
   * Called on the task loop's thread right after {@code commitTransaction} returned, once per
   * partition of the transaction; must return quickly. The list is not copied; the task loop does
   * not change it after the call.
   *
   * @param partition the partition of the outcomes topic the outcomes were appended to
   * @param firstOffset the offset of the first of them; they occupy {@code firstOffset} to {@code
   *     lastOffset}, as the partition's owner is its only writer
   * @param lastOffset the offset of the last of them
   */
  void committed(int partition, long firstOffset, long lastOffset, List<OutcomeRecord> outcomes);
}
