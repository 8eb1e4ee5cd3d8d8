package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelinedStoreTest {
  @TempDir Path temp;
  private final List<Runnable> writes = new ArrayList<>();
  private RocksPartitionStore rocks;
  private PipelinedStore store;

  @BeforeEach
  void setUp() {
    rocks = RocksPartitionStore.open(temp.resolve("p-3"), 3);
    store = new PipelinedStore(rocks, writes::add);
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
    store.apply(new CountedBuild(new PipelinedStore.Built(changes), built));

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
  void writesBatchesInOrderOneAtATime() {
    store.apply(batch("acct-1", 1, "cmd-1", 1, 1));
    writes.removeFirst().run();
    store.apply(batch("acct-1", 2, "cmd-2", 2, 2));

    assertThat(store.aggregate("Account", "acct-1")).hasValue(state(2));
    assertThat(store.outcome("cmd-1")).as("written by the first batch").isPresent();
    assertThat(writes).hasSize(1);
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

  /** Reads as {@code view} does, and records each build of its changes. */
  private record CountedBuild(PipelinedStore.Built view, List<String> built) implements PipelinedStore.Pending {
    @Override
    public StoreBatch changes() {
      built.add(Thread.currentThread().getName());
      return view.changes();
    }

    @Override
    public Supplier<StoredAggregate> aggregate(StoreBatch.AggregateKey key) {
      return view.aggregate(key);
    }

    @Override
    public Supplier<OutcomeRecord> outcome(String commandId) {
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
