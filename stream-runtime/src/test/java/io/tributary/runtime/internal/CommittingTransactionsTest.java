package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.runtime.internal.CommittingTransactions.OpenTransaction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;

/** When a newly assigned partition's last stable offset covers every transaction that committed on it. */
class CommittingTransactionsTest {
  private static final long HIGH_WATERMARK = 120;

  @Test
  void aLastStableOffsetAtTheHighWatermarkReadBeforeItCoversEverything() {
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, HIGH_WATERMARK, List.of())).isEmpty();
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 125, List.of())).isEmpty();
  }

  @Test
  void waitsForACommittedTransactionOrOneNoCoordinatorLists() {
    for (TransactionState committed : List.of(TransactionState.PREPARE_COMMIT, TransactionState.COMPLETE_COMMIT,
        TransactionState.UNKNOWN)) {
      assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, committed))))
          .as(committed.toString()).hasValueSatisfying(reason -> assertThat(reason).contains("is " + committed));
    }
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, null))))
        .hasValueSatisfying(reason -> assertThat(reason)
            .contains("not listed by the cluster's transaction coordinators")
            .contains("kafka-transactions.sh abort --topic <topic> --partition <partition> --start-offset 100"));
  }

  @Test
  void waitsForAMarkerWrittenButNotYetReplicated() {
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of()))
        .hasValueSatisfying(reason -> assertThat(reason).contains("marker is not replicated yet"));
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100,
        List.of(open(110, TransactionState.ONGOING)))).as("open, but not the one at the last stable offset")
        .isPresent();
  }

  @Test
  void doesNotWaitForAnOngoingOrAbortingTransactionThatCanNoLongerCommit() {
    for (TransactionState ending : List.of(TransactionState.ONGOING, TransactionState.PREPARE_ABORT,
        TransactionState.COMPLETE_ABORT, TransactionState.PREPARE_EPOCH_FENCE, TransactionState.EMPTY)) {
      assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, ending)))).as("%s", ending)
          .isEmpty();
    }
  }

  @Test
  void waitsForACommittedTransactionBehindAnOngoingOne() {
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, TransactionState.ONGOING),
        open(112, TransactionState.PREPARE_COMMIT))))
        .hasValueSatisfying(reason -> assertThat(reason).contains("producer id 112").contains("is PrepareCommit"));
  }

  @Test
  void waitsAtMostTheTransactionTimeoutThenTheCoordinatorsCheckThenAMargin() {
    assertThat(CommittingTransactions.maxWait(Map.of())).isEqualTo(Duration.ofSeconds(50));
    assertThat(CommittingTransactions.maxWait(Map.of("transaction.timeout.ms", "60000")))
        .isEqualTo(Duration.ofSeconds(100));
  }

  /** A transaction whose producer id is its first offset, so that messages name it. */
  private static OpenTransaction open(long firstOffset, TransactionState state) {
    return new OpenTransaction(firstOffset, firstOffset, state);
  }
}
