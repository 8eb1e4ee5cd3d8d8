package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelinedStoreTest {
  @TempDir Path temp;
  private final List<Runnable> writes = new ArrayList<>();
  private final Timer queueWaits = new SimpleMeterRegistry().timer(PipelinedStore.QUEUE_WAIT);
  private RocksPartitionStore rocks;
  private PipelinedStore store;

  @BeforeEach
  void setUp() {
    rocks = RocksPartitionStore.open(temp.resolve("p-3"), 3);
    store = new PipelinedStore(rocks, writes::add, queueWaits);
  }

  @AfterEach
  void tearDown() {
    writes.forEach(Runnable::run);
    store.close();
  }

  @Test
  void answersReadsFromTheBatchBeingWritten() {
    store.apply(batch("acct-1", 4, "cmd-1", 10, 20));

    assertThat(rocks.aggregate("Account", "acct-1")).as("not written yet").isEmpty();
    assertThat(store.aggregate("Account", "acct-1")).hasValue(state(4));
    assertThat(store.outcome("cmd-1")).hasValueSatisfying(o -> assertThat(o.getCommandId()).isEqualTo("cmd-1"));
    assertThat(store.aggregate("Account", "acct-2")).isEmpty();
    assertThat(store.outcome("cmd-2")).isEmpty();
    assertThat(store.eventsOffset()).isEqualTo(10);
    assertThat(store.outcomesOffset()).isEqualTo(20);
    assertThat(rocks.eventsOffset()).isZero();

    writes.removeFirst().run();
    store.awaitWritten();

    assertThat(rocks.aggregate("Account", "acct-1")).hasValue(state(4));
    assertThat(rocks.eventsOffset()).isEqualTo(10);
    assertThat(store.eventsOffset()).isEqualTo(10);
  }

  @Test
  void buildsAPendingBatchOnTheWriterAndAnswersFromItsViewUntilThen() {
    StoreBatch changes = batch("acct-1", 4, "cmd-1", 10, 20);
    List<String> built = new ArrayList<>();
    store.apply(new CountedBuild(new PipelinedStore.Built(changes), built, false));

    assertThat(built).as("built only where it is written").isEmpty();
    assertThat(store.aggregate("Account", "acct-1")).hasValue(state(4));
    assertThat(store.outcome("cmd-1")).isPresent();
    assertThat(store.outcome("cmd-2")).isEmpty();
    assertThat(store.eventsOffset()).isEqualTo(10);
    assertThat(store.outcomesOffset()).isEqualTo(20);

    writes.removeFirst().run();
    store.awaitWritten();

    assertThat(built).hasSize(1);
    assertThat(rocks.aggregate("Account", "acct-1")).hasValue(state(4));
    assertThat(rocks.outcome("cmd-1")).isPresent();
    assertThat(rocks.outcomesOffset()).isEqualTo(20);
  }

  @Test
  void queuesWritesInOrderAndAnswersReadsFromTheNewestBatchThatHoldsThem() {
    store.apply(batch("acct-1", 1, "cmd-1", 1, 1));
    store.apply(batch("acct-1", 2, "cmd-2", 2, 2));

    assertThat(writes).as("the second write does not wait for the first").hasSize(2);
    assertThat(store.aggregate("Account", "acct-1")).hasValue(state(2));
    assertThat(store.outcome("cmd-1")).as("held by the first batch").isPresent();
    assertThat(store.outcome("cmd-2")).isPresent();
    assertThat(store.eventsOffset()).isEqualTo(2);

    writes.removeFirst().run();
    assertThat(rocks.aggregate("Account", "acct-1")).hasValue(state(1));
    assertThat(store.aggregate("Account", "acct-1")).hasValue(state(2));
    writes.removeFirst().run();
    store.awaitWritten();
    assertThat(rocks.aggregate("Account", "acct-1")).hasValue(state(2));
    assertThat(rocks.eventsOffset()).isEqualTo(2);
  }

  @Test
  void applyWaitsForTheOldestWriteOnlyOnceTheQueueIsFull() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    CountDownLatch held = new CountDownLatch(1);
    try (RocksPartitionStore other = RocksPartitionStore.open(temp.resolve("p-4"), 4)) {
      PipelinedStore queueing = new PipelinedStore(other, writer, queueWaits);
      writer.execute(() -> awaitQuietly(held)); // the writer is busy until released
      for (int i = 1; i <= PipelinedStore.MAX_QUEUED; i++) {
        queueing.apply(batch("acct-1", i, "cmd-" + i, i, i));
      }
      CompletableFuture<Void> next = CompletableFuture.runAsync(
          () -> queueing.apply(batch("acct-1", 99, "cmd-99", 99, 99)));

      assertThat(queueWaits.count()).isZero();
      assertThatThrownBy(() -> next.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      held.countDown();
      next.get(30, TimeUnit.SECONDS);
      queueing.awaitWritten();
      assertThat(queueWaits.count()).isOne(); // the wait of the apply that found the queue full
      assertThat(queueWaits.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300);
      assertThat(other.aggregate("Account", "acct-1")).hasValue(state(99));
      assertThat(other.eventsOffset()).isEqualTo(99);
    } finally {
      held.countDown();
      writer.shutdown();
    }
  }

  @Test
  void aCheckpointHoldsTheBatchesAppliedBeforeItAndNoneAfter() {
    store.apply(batch("acct-1", 1, "cmd-1", 1, 1));
    Path target = temp.resolve("checkpoint");
    CompletableFuture<Void> checkpointed = store.checkpointWhenWritten(target);
    store.apply(batch("acct-1", 2, "cmd-2", 2, 2));

    assertThat(checkpointed).as("queued behind the first write").isNotDone();
    assertThat(writes).hasSize(3);
    writes.forEach(Runnable::run);
    writes.clear();
    assertThat(checkpointed).isCompleted();

    try (RocksPartitionStore copy = RocksPartitionStore.open(target, 3)) {
      assertThat(copy.aggregate("Account", "acct-1")).hasValue(state(1));
      assertThat(copy.outcome("cmd-2")).isEmpty();
      assertThat(copy.eventsOffset()).isEqualTo(1);
    }
    assertThat(rocks.aggregate("Account", "acct-1")).hasValue(state(2));
  }

  @Test
  void closeWaitsForAQueuedCheckpoint() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    CountDownLatch held = new CountDownLatch(1);
    try {
      RocksPartitionStore other = RocksPartitionStore.open(temp.resolve("p-5"), 5);
      PipelinedStore queueing = new PipelinedStore(other, writer, queueWaits);
      writer.execute(() -> awaitQuietly(held)); // the writer is busy until released
      queueing.apply(batch("acct-1", 1, "cmd-1", 1, 1));
      Path target = temp.resolve("checkpoint-5");
      CompletableFuture<Void> checkpointed = queueing.checkpointWhenWritten(target);
      CompletableFuture<Void> closed = CompletableFuture.runAsync(queueing::close);

      assertThatThrownBy(() -> closed.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      held.countDown();
      closed.get(30, TimeUnit.SECONDS);
      assertThat(checkpointed).as("written before the store closed").isCompleted();
      try (RocksPartitionStore copy = RocksPartitionStore.open(target, 5)) {
        assertThat(copy.eventsOffset()).isEqualTo(1);
      }
    } finally {
      held.countDown();
      writer.shutdown();
    }
  }

  @Test
  void refusesEveryWriteAndCheckpointQueuedAfterAFailedWrite() {
    store.apply(new CountedBuild(new PipelinedStore.Built(batch("acct-1", 1, "cmd-1", 1, 1)), new ArrayList<>(), true));
    store.apply(batch("acct-2", 1, "cmd-2", 2, 2));
    CompletableFuture<Void> checkpointed = store.checkpointWhenWritten(temp.resolve("checkpoint"));
    writes.forEach(Runnable::run);
    writes.clear();

    assertThat(rocks.aggregate("Account", "acct-2")).as("never written past the failed batch").isEmpty();
    assertThat(rocks.eventsOffset()).isZero();
    assertThat(checkpointed).isCompletedExceptionally();
    assertThatThrownBy(checkpointed::join).hasCauseInstanceOf(PermanentException.class)
        .hasMessageContaining("a write to its store failed before it");
    assertThatThrownBy(() -> store.apply(batch("acct-3", 1, "cmd-3", 3, 3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot build");
    assertThatThrownBy(store::close).as("the refused write").hasMessageContaining("cannot build");
  }

  @Test
  void throwsAFailedWriteOnTheNextApply() {
    store.apply(batch("acct-1", 1, "cmd-1", 1, 1));
    rocks.close(); // the write finds the store closed
    writes.removeFirst().run();

    assertThatThrownBy(() -> store.apply(batch("acct-1", 2, "cmd-2", 2, 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads as {@code view} does, and records each build of its changes; a build fails if {@code fails}. */
  private record CountedBuild(PipelinedStore.Built view, List<String> built, boolean fails)
      implements PipelinedStore.Pending {
    @Override
    public StoreBatch changes() {
      built.add(Thread.currentThread().getName());
      if (fails) {
        throw new IllegalStateException("cannot build");
      }
      return view.changes();
    }

    @Override
    public Supplier<StoredAggregate> aggregate(StoreBatch.AggregateKey key) {
      return view.aggregate(key);
    }

    @Override
    public Supplier<OutcomeRecord> outcome(CommandKey commandId) {
      return view.outcome(commandId);
    }

    @Override
    public OptionalLong nextEventsOffset() {
      return view.nextEventsOffset();
    }

    @Override
    public OptionalLong nextOutcomesOffset() {
      return view.nextOutcomesOffset();
    }
  }

  private static StoreBatch batch(String account, long version, String commandId, long events, long outcomes) {
    return new StoreBatch()
        .putAggregate("Account", account, state(version))
        .putOutcome(commandId, 1_700_000_000_000L, OutcomeRecord.newBuilder().setCommandId(commandId).setAggregateType("Account")
            .setAggregateId(account).setAccepted(OutcomeRecord.Accepted.newBuilder().setVersion(version)).build())
        .eventsOffset(events)
        .outcomesOffset(outcomes);
  }

  private static StoredAggregate state(long version) {
    return StoredAggregate.newBuilder().setVersion(version).setState(ByteString.copyFromUtf8("v" + version)).build();
  }
}
