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
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, HIGH_WATERMARK, List.of(), true)).isEmpty();
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 125, List.of(), false)).isEmpty();
  }

  @Test
  void waitsForACommittedTransactionOrOneNoCoordinatorLists() {
    for (TransactionState committed : List.of(TransactionState.PREPARE_COMMIT, TransactionState.COMPLETE_COMMIT,
        TransactionState.UNKNOWN)) {
      assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 19, committed)), true))
          .as(committed.toString()).hasValueSatisfying(reason -> assertThat(reason).contains("is " + committed));
    }
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 19, null)), true))
        .hasValueSatisfying(reason -> assertThat(reason)
            .contains("not listed by the cluster's transaction coordinators")
            .contains("kafka-transactions.sh abort --topic <topic> --partition <partition> --start-offset 100"));
  }

  @Test
  void waitsForAMarkerWrittenButNotYetReplicated() {
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(), true))
        .hasValueSatisfying(reason -> assertThat(reason).contains("marker is not replicated yet"));
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100,
        List.of(open(110, 9, TransactionState.ONGOING)), true)).as("open, but not the one at the last stable offset")
        .isPresent();
  }

  @Test
  void doesNotWaitForAnOngoingOrAbortingTransactionWithNothingBehindIt() {
    for (TransactionState ending : List.of(TransactionState.ONGOING, TransactionState.PREPARE_ABORT,
        TransactionState.COMPLETE_ABORT, TransactionState.PREPARE_EPOCH_FENCE, TransactionState.EMPTY)) {
      assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 19, ending)), true))
          .as("%s with its own 20 records up to the high watermark", ending).isEmpty();
    }
  }

  @Test
  void waitsForAnOngoingTransactionWithRecordsOfOthersBehindIt() {
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 9, TransactionState.ONGOING)),
        true)).as("20 records held back, 10 of them its own")
        .hasValueSatisfying(reason -> assertThat(reason).contains("holds back 20 records, more than its own 10"));
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 9, TransactionState.ONGOING),
        open(112, 3, TransactionState.PREPARE_COMMIT)), true)).as("a committed one behind it")
        .hasValueSatisfying(reason -> assertThat(reason).contains("producer id 112").contains("is PrepareCommit"));
    assertThat(CommittingTransactions.mustWait(HIGH_WATERMARK, 100, List.of(open(100, 19, TransactionState.ONGOING)),
        false)).as("without transactions v2 its sequence numbers do not count its records")
        .hasValueSatisfying(reason -> assertThat(reason).contains("without transactions v2"));
  }

  @Test
  void waitsAtMostTheTransactionTimeoutThenTheCoordinatorsCheckThenAMargin() {
    assertThat(CommittingTransactions.maxWait(Map.of())).isEqualTo(Duration.ofSeconds(50));
    assertThat(CommittingTransactions.maxWait(Map.of("transaction.timeout.ms", "60000")))
        .isEqualTo(Duration.ofSeconds(100));
  }

  /** A transaction whose producer id is its first offset, so that messages name it. */
  private static OpenTransaction open(long firstOffset, int lastSequence, TransactionState state) {
    return new OpenTransaction(firstOffset, firstOffset, lastSequence, state);
  }
}
