package io.tributary.runtime.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StoreBatchTest {
  @Test
  void keepsTheFirstOutcomeOfACommandIdInTheOrderPut() {
    StoreBatch batch = new StoreBatch()
        .putOutcome("c-1", 1_000, rejected("c-1", "FIRST"))
        .putOutcome("c-2", 1_000, rejected("c-2", "OTHER"))
        .putOutcome("c-1", 2_000, rejected("c-1", "SECOND"));

    assertThat(batch.outcomes()).extracting(outcome -> outcome.commandId().commandId()).containsExactly("c-1", "c-2");
    assertThat(batch.outcome(CommandKey.of("c-1")).outcome().get().getRejected().getCode()).isEqualTo("FIRST");
    assertThat(batch.outcome(CommandKey.of("c-1")).decidedAtMillis()).isEqualTo(1_000);
    assertThat(batch.outcome(CommandKey.of("c-3"))).isNull();
  }

  @Test
  void findsAnOutcomePutWithoutTheLookupOnceItWasLookedUpBefore() {
    StoreBatch batch = new StoreBatch().putOutcomeOfNewId(CommandKey.of("c-1"), 1_000, rejected("c-1", "A"));
    assertThat(batch.outcome(CommandKey.of("c-2"))).as("the index is built here").isNull();

    batch.putOutcomeOfNewId(CommandKey.of("c-2"), 1_000, rejected("c-2", "B"))
        .putOutcome("c-2", 2_000, rejected("c-2", "LATER"));

    assertThat(batch.outcome(CommandKey.of("c-2")).outcome().get().getRejected().getCode()).isEqualTo("B");
    assertThat(batch.outcomes()).hasSize(2);
  }

  private static Supplier<OutcomeRecord> rejected(String commandId, String code) {
    OutcomeRecord outcome = OutcomeRecord.newBuilder().setCommandId(commandId)
        .setRejected(OutcomeRecord.Rejected.newBuilder().setCode(code).setMessage("no")).build();
    return () -> outcome;
  }
}
