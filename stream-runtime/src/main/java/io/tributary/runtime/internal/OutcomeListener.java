package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.List;

/** Told by the task loop of the outcomes of each transaction once it has committed. */
@FunctionalInterface
public interface OutcomeListener {
  /**
   * Called on the task loop's thread right after {@code commitTransaction} returned; must return
   * quickly. The list is not copied; the task loop does not change it after the call.
   */
  void committed(List<OutcomeRecord> outcomes);
}
