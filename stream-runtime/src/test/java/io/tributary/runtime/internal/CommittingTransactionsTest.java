package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;

/** Which open transactions a newly assigned partition waits for before it is replayed. */
class CommittingTransactionsTest {
  @Test
  void waitsForCommittedAndUnlistedTransactionsOnly() {
    Map<Long, TransactionState> states = Map.of(
        1L, TransactionState.PREPARE_COMMIT,
        2L, TransactionState.COMPLETE_COMMIT,
        3L, TransactionState.ONGOING,
        4L, TransactionState.PREPARE_ABORT,
        5L, TransactionState.COMPLETE_ABORT,
        6L, TransactionState.PREPARE_EPOCH_FENCE,
        7L, TransactionState.EMPTY,
        8L, TransactionState.UNKNOWN);

    assertThat(CommittingTransactions.mustWaitFor(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), states))
        .as("committed, a state this client cannot read, and a producer no coordinator lists")
        .containsExactlyInAnyOrder(1L, 2L, 8L, 9L);
    assertThat(CommittingTransactions.mustWaitFor(Set.of(3L, 4L), states))
        .as("an ongoing transaction of an owner that lost the partition can only be aborted")
        .isEmpty();
  }
}
