package io.tributary.runtime.internal.store;

import static io.tributary.runtime.internal.store.StoreRecords.accepted;
import static io.tributary.runtime.internal.store.StoreRecords.rejected;
import static io.tributary.runtime.internal.store.StoreRecords.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.StoreMemory;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksPartitionStoreTest {
  private static final long DECIDED_AT = 1_700_000_000_000L;
  @TempDir Path temp;

  @Test
  void startsEmptyWithOffsetsZero() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-0"), 0)) {
      assertThat(store.partition()).isZero();
      assertThat(store.aggregate("Post", "p-1")).isEmpty();
      assertThat(store.outcome("c-1")).isEmpty();
      assertThat(store.eventsOffset()).isZero();
      assertThat(store.outcomesOffset()).isZero();
    }
  }

  @Test
  void readsBackWhatABatchApplied() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-3"), 3)) {
      store.apply(new StoreBatch()
          .putAggregate("Post", "p-1", state(2, "two"))
          .putAggregate("Tribe", "p-1", state(1, "tribe"))
          .putOutcome("c-1", DECIDED_AT, accepted("c-1", 2))
          .putOutcome("c-2", DECIDED_AT, rejected("c-2", "POST_ARCHIVED"))
          .eventsOffset(42)
          .outcomesOffset(17));

      assertThat(store.aggregate("Post", "p-1")).contains(state(2, "two"));
      assertThat(store.aggregate("Tribe", "p-1")).contains(state(1, "tribe"));
      assertThat(store.aggregate("Post", "p-2")).isEmpty();
      assertThat(store.outcome("c-1")).contains(accepted("c-1", 2));
      assertThat(store.outcome("c-2")).contains(rejected("c-2", "POST_ARCHIVED"));
      assertThat(store.eventsOffset()).isEqualTo(42);
      assertThat(store.outcomesOffset()).isEqualTo(17);
    }
  }

  @Test
  void opensWithTheSizesItIsGiven() throws IOException {
    Path dir = temp.resolve("p-3");
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 3, new StoreMemory(1L << 20, 3L << 20))) {
      store.apply(new StoreBatch().eventsOffset(1));
      assertThat(store.blockCacheCapacity()).isEqualTo(3L << 20);
    }
    // RocksDB writes the options it opened with beside its files
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> options = files.filter(file -> file.getFileName().toString().startsWith("OPTIONS-")).toList();
      assertThat(options).isNotEmpty();
      assertThat(Files.readString(options.getLast())).contains("write_buffer_size=1048576")
          .as("a batch's dedupe entries, put in key order, are inserted from where the last one went")
          .contains("memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.1");
    }
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 3)) {
      assertThat(store.eventsOffset()).as("opens again with the default sizes").isEqualTo(1);
      assertThat(store.blockCacheCapacity()).isEqualTo(StoreMemory.defaults().blockCacheBytes());
    }
  }

  @Test
  void expiresTheDedupeEntriesDecidedBeforeABatchsTime() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-1"), 1)) {
      store.apply(new StoreBatch()
          .putOutcome("old-1", 1_000, rejected("old-1", "NOPE"))
          .putOutcome("old-2-ünïcødé-🚗", 1_999, rejected("old-2-ünïcødé-🚗", "NOPE")));
      store.apply(new StoreBatch().putOutcome("new-1", 2_000, rejected("new-1", "NOPE")));

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(2_000));

      assertThat(store.outcome("old-1")).isEmpty();
      assertThat(store.outcome("old-2-ünïcødé-🚗")).as("an id beyond ASCII").isEmpty();
      assertThat(store.outcome("new-1")).as("decided at the bound").isPresent();
    }
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-1"), 1)) {
      store.apply(new StoreBatch().expireOutcomesDecidedBefore(2_001));

      assertThat(store.outcome("new-1")).as("expired after a reopen too").isEmpty();
    }
  }

  @Test
  void aCommandDecidedAgainInTheExpiringBatchKeepsItsNewEntry() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-1"), 1)) {
      store.apply(new StoreBatch().putOutcome("c-1", 1_000, rejected("c-1", "FIRST")));

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(5_000)
          .putOutcome("c-1", 9_000, rejected("c-1", "SECOND")));
      assertThat(store.outcome("c-1")).contains(rejected("c-1", "SECOND"));

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(8_000));
      assertThat(store.outcome("c-1")).as("its own time counts now").contains(rejected("c-1", "SECOND"));
      store.apply(new StoreBatch().expireOutcomesDecidedBefore(9_001));
      assertThat(store.outcome("c-1")).isEmpty();
    }
  }

  @Test
  void batchesOfTheSameMillisecondExpireAll() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-1"), 1)) {
      // as a replay's chunks of events and of outcomes may write the same command at the same time
      store.apply(new StoreBatch().putOutcome("c-1", 1_000, rejected("c-1", "NOPE"))
          .putOutcome("c-2", 1_000, rejected("c-2", "NOPE")));
      store.apply(new StoreBatch().putOutcome("c-1", 1_000, rejected("c-1", "NOPE"))
          .putOutcome("c-3", 1_000, rejected("c-3", "NOPE")));

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(1_001));

      assertThat(store.outcome("c-1")).isEmpty();
      assertThat(store.outcome("c-2")).isEmpty();
      assertThat(store.outcome("c-3")).isEmpty();
    }
  }

  @Test
  void spreadsALargeExpiryOverBatchesInWholeEntries() {
    int perBatch = RocksPartitionStore.MAX_EXPIRED_PER_BATCH * 3 / 5;
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-1"), 1)) {
      for (int batch = 0; batch < 3; batch++) {
        StoreBatch decided = new StoreBatch();
        for (int i = 0; i < perBatch; i++) {
          String commandId = "c-" + batch + "-" + i;
          decided.putOutcome(commandId, 1_000 * (batch + 1), rejected(commandId, "NOPE"));
        }
        store.apply(decided);
      }

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(1_000_000));
      assertThat(store.outcome("c-0-0")).isEmpty();
      assertThat(store.outcome("c-1-" + (perBatch - 1))).as("the entry that reached the limit, whole").isEmpty();
      assertThat(store.outcome("c-2-0")).as("left for the next batch").isPresent();

      store.apply(new StoreBatch().expireOutcomesDecidedBefore(1_000_000));
      assertThat(store.outcome("c-2-0")).isEmpty();
      assertThat(store.outcome("c-2-" + (perBatch - 1))).isEmpty();
    }
  }

  @Test
  void keepsOffsetsABatchDoesNotSet() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-0"), 0)) {
      store.apply(new StoreBatch().eventsOffset(5).outcomesOffset(6));
      store.apply(new StoreBatch().putAggregate("Post", "p-1", state(1, "one")).eventsOffset(9));

      assertThat(store.eventsOffset()).isEqualTo(9);
      assertThat(store.outcomesOffset()).isEqualTo(6);
    }
  }

  @Test
  void keepsEverythingAcrossReopen() {
    Path dir = temp.resolve("p-1");
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 1)) {
      store.apply(new StoreBatch()
          .putAggregate("Post", "p-1", state(1, "one"))
          .putOutcome("c-1", DECIDED_AT, accepted("c-1", 1))
          .eventsOffset(10)
          .outcomesOffset(11));
      store.apply(new StoreBatch().putAggregate("Post", "p-1", state(2, "two")).eventsOffset(12));
    }

    try (RocksPartitionStore reopened = RocksPartitionStore.open(dir, 1)) {
      assertThat(reopened.aggregate("Post", "p-1")).contains(state(2, "two"));
      assertThat(reopened.outcome("c-1")).contains(accepted("c-1", 1));
      assertThat(reopened.eventsOffset()).isEqualTo(12);
      assertThat(reopened.outcomesOffset()).isEqualTo(11);
    }
  }

  @Test
  void writesNothingOfABatchWithAnInvalidEntry() {
    Path dir = temp.resolve("p-0");
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 0)) {
      store.apply(new StoreBatch().putAggregate("Post", "p-1", state(1, "one")).eventsOffset(3));
      StoreBatch broken = new StoreBatch()
          .putAggregate("Post", "p-1", state(2, "two"))
          .putAggregate("Post", "p-2", state(1, "other"))
          .putAggregate("Bad\0Type", "p-3", state(1, "never"))
          .putOutcome("c-9", DECIDED_AT, accepted("c-9", 2))
          .eventsOffset(7);

      assertThatThrownBy(() -> store.apply(broken))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Bad\\0Type")
          .hasMessageContaining("must not contain the NUL character");
      assertThat(store.eventsOffset()).isEqualTo(3);
    }

    try (RocksPartitionStore reopened = RocksPartitionStore.open(dir, 0)) {
      assertThat(reopened.aggregate("Post", "p-1")).contains(state(1, "one"));
      assertThat(reopened.aggregate("Post", "p-2")).isEmpty();
      assertThat(reopened.outcome("c-9")).isEmpty();
      assertThat(reopened.eventsOffset()).isEqualTo(3);
    }
  }

  @Test
  void rejectsANegativeOffsetWithoutWriting() {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-0"), 0)) {
      assertThatThrownBy(() -> store.apply(
              new StoreBatch().putAggregate("Post", "p-1", state(1, "one")).outcomesOffset(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("outcomes offset -1 is negative");
      assertThat(store.aggregate("Post", "p-1")).isEmpty();
    }
  }

  @Test
  void checkpointOpensAsAStoreWithTheSameReads() {
    Path checkpoint = temp.resolve("checkpoints").resolve("p-2");
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-2"), 2)) {
      store.apply(new StoreBatch()
          .putAggregate("Post", "p-1", state(4, "four"))
          .putOutcome("c-1", DECIDED_AT, rejected("c-1", "NOPE"))
          .eventsOffset(100)
          .outcomesOffset(50));
      store.checkpoint(checkpoint);
      store.apply(new StoreBatch().putAggregate("Post", "p-1", state(5, "after")).eventsOffset(101));
    }

    try (RocksPartitionStore copy = RocksPartitionStore.open(checkpoint, 2)) {
      assertThat(copy.aggregate("Post", "p-1")).contains(state(4, "four"));
      assertThat(copy.outcome("c-1")).contains(rejected("c-1", "NOPE"));
      assertThat(copy.eventsOffset()).isEqualTo(100);
      assertThat(copy.outcomesOffset()).isEqualTo(50);
    }
  }

  @Test
  void refusesACheckpointIntoAnExistingPath() throws IOException {
    Path existing = Files.createDirectories(temp.resolve("exists"));
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-0"), 0)) {
      assertThatThrownBy(() -> store.checkpoint(existing))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(existing.toString())
          .hasMessageContaining("exists already");
    }
  }

  @Test
  void refusesAStoreOfANewerFormat() throws IOException {
    Path dir = temp.resolve("p-0");
    RocksPartitionStore.open(dir, 0).close();
    Files.writeString(dir.resolve(StoreMarker.FILE_NAME),
        "tributary-partition-store\nformat 2\npartition 0\n");

    assertThatThrownBy(() -> RocksPartitionStore.open(dir, 0))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("has format 2, which is newer than this build (reads 1)")
        .hasMessageContaining("Run a build that reads format 2");
  }

  @Test
  void refusesADirectoryWhoseMarkerIsSomethingElse() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("p-0"));
    Files.writeString(dir.resolve(StoreMarker.FILE_NAME), "kafka-streams-state\nformat 1\n");

    assertThatThrownBy(() -> RocksPartitionStore.open(dir, 0))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("not a Tributary partition store");
  }

  @Test
  void refusesADirectoryWithFilesButNoMarker() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("elsewhere"));
    Files.writeString(dir.resolve("notes.txt"), "mine");

    assertThatThrownBy(() -> RocksPartitionStore.open(dir, 0))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("holds files but no TRIBUTARY-STORE marker")
        .hasMessageContaining("Point partition 0 at its own directory");
  }

  @Test
  void refusesAStoreOfAnotherPartition() {
    Path dir = temp.resolve("p-4");
    RocksPartitionStore.open(dir, 4).close();

    assertThatThrownBy(() -> RocksPartitionStore.open(dir, 5))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("holds partition 4, not partition 5");
  }

  @Test
  void closesOnceAndRefusesUseAfterClose() {
    RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-0"), 0);
    store.close();
    store.close();

    assertThatThrownBy(() -> store.aggregate("Post", "p-1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void releasesTheDirectoryOnClose() {
    Path dir = temp.resolve("p-0");
    RocksPartitionStore.open(dir, 0).close();

    // RocksDB's LOCK would refuse a second open if a handle leaked
    RocksPartitionStore.open(dir, 0).close();
  }

  @Test
  void answersNewIdsFromItsFilterAndStoredOnesFromRocksDbAcrossReopen() throws InterruptedException {
    Path dir = temp.resolve("p-2");
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 2)) {
      awaitFilter(store);
      for (int batch = 0; batch < 3; batch++) {
        store.apply(outcomes("stored-" + batch + "-", 1_000));
      }
      assertHoldsExactly(store, 3, 1_000);
    }
    try (RocksPartitionStore reopened = RocksPartitionStore.open(dir, 2)) {
      assertHoldsExactly(reopened, 3, 1_000); // the filter may still be built: RocksDB answers meanwhile
      awaitFilter(reopened);
      long before = reopened.lookupsAnsweredByFilter();
      assertHoldsExactly(reopened, 3, 1_000);
      assertThat(reopened.lookupsAnsweredByFilter() - before).as("of the 20,000 lookups of absent ids")
          .isGreaterThan(19_000);
    }
  }

  @Test
  void aFilterBuiltWhileBatchesAreWrittenMissesNoneOfThem() throws InterruptedException {
    Path dir = temp.resolve("p-2");
    try (RocksPartitionStore store = RocksPartitionStore.open(dir, 2, StoreMemory.defaults().withDedupeFilterBytes(0))) {
      for (int batch = 0; batch < 40; batch++) {
        store.apply(outcomes("stored-" + batch + "-", 5_000));
      }
      assertThat(store.dedupeFilterBytes()).as("turned off").isZero();
    }
    try (RocksPartitionStore reopened = RocksPartitionStore.open(dir, 2)) {
      // written while the filter of the 200,000 stored ids is built
      for (int batch = 40; batch < 60; batch++) {
        reopened.apply(outcomes("stored-" + batch + "-", 200));
      }
      awaitFilter(reopened);
      for (int batch = 0; batch < 60; batch++) {
        int ids = batch < 40 ? 5_000 : 200;
        for (int i = 0; i < ids; i++) {
          String id = "stored-" + batch + "-" + i;
          assertThat(reopened.outcome(id)).as(id).isPresent();
        }
      }
    }
  }

  @Test
  void growsItsFilterWithTheIdsUpToItsBound() throws InterruptedException {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-2"), 2,
        StoreMemory.defaults().withDedupeFilterBytes(1L << 20))) {
      awaitFilter(store);
      assertThat(store.dedupeFilterBytes()).isEqualTo(CommandIdFilter.MIN_BYTES);
      for (int batch = 0; batch < 50; batch++) {
        store.apply(outcomes("stored-" + batch + "-", 2_000));
      }
      // 100,000 ids fill 64 KiB (about 43,000 at 12 bits each): a larger filter is built
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (store.dedupeFilterBytes() <= CommandIdFilter.MIN_BYTES && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(store.dedupeFilterBytes()).isGreaterThan(CommandIdFilter.MIN_BYTES).isLessThanOrEqualTo(1L << 20);
      assertHoldsExactly(store, 50, 2_000);
    }
  }

  @Test
  void aFilterFullBeyondItsBoundStillAnswersRight() throws InterruptedException {
    try (RocksPartitionStore store = RocksPartitionStore.open(temp.resolve("p-2"), 2,
        StoreMemory.defaults().withDedupeFilterBytes(64))) {
      awaitFilter(store);
      for (int batch = 0; batch < 20; batch++) {
        store.apply(outcomes("stored-" + batch + "-", 100));
      }
      assertThat(store.dedupeFilterBytes()).as("one block, about 42 ids").isEqualTo(64);
      assertHoldsExactly(store, 20, 100);
    }
  }

  private static StoreBatch outcomes(String prefix, int count) {
    StoreBatch batch = new StoreBatch(0, count);
    for (int i = 0; i < count; i++) {
      batch.putOutcome(prefix + i, DECIDED_AT, rejected(prefix + i, "NOPE"));
    }
    return batch;
  }

  /** Asserts the store holds the ids {@link #outcomes} wrote for batches 0 to {@code batches - 1}, and no others. */
  private static void assertHoldsExactly(RocksPartitionStore store, int batches, int idsPerBatch) {
    for (int batch = 0; batch < batches; batch++) {
      for (int i = 0; i < idsPerBatch; i++) {
        String id = "stored-" + batch + "-" + i;
        assertThat(store.outcome(id)).as(id).contains(rejected(id, "NOPE"));
      }
    }
    for (int i = 0; i < 10_000; i++) {
      assertThat(store.outcome("new-" + i)).isEmpty();
      assertThat(store.outcome("stored-" + batches + "-" + i)).isEmpty();
    }
  }

  private static void awaitFilter(RocksPartitionStore store) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (store.dedupeFilterBytes() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(store.dedupeFilterBytes()).as("the filter of command ids is built").isPositive();
  }

  /** One write of a generated batch. */
  record Write(String type, String id, long version, String state, String commandId, String code) {}

  @Property(tries = 40)
  void readsBackEveryEntryWritten(@ForAll("batches") List<List<Write>> batches,
      @ForAll("offsets") List<Long> offsets) throws IOException {
    Path dir = Files.createTempDirectory("rocks-partition-store");
    try {
      Map<StoreBatch.AggregateKey, StoredAggregate> aggregates = new HashMap<>();
      Map<String, OutcomeRecord> outcomes = new HashMap<>();
      long eventsOffset = 0;
      try (RocksPartitionStore store = RocksPartitionStore.open(dir.resolve("p-0"), 0)) {
        for (int i = 0; i < batches.size(); i++) {
          StoreBatch batch = new StoreBatch();
          for (Write write : batches.get(i)) {
            batch.putAggregate(write.type(), write.id(), StoredAggregate.newBuilder()
                .setVersion(write.version())
                .setState(ByteString.copyFrom(write.state(), StandardCharsets.UTF_8))
                .build());
            batch.putOutcome(write.commandId(), DECIDED_AT, rejected(write.commandId(), write.code()));
          }
          long offset = offsets.get(i % offsets.size());
          batch.eventsOffset(offset);
          store.apply(batch);
          batch.aggregates().forEach((key, state) -> aggregates.put(key, state.get()));
          batch.outcomes().forEach(outcome -> outcomes.put(outcome.commandId().commandId(), outcome.outcome().get()));
          eventsOffset = offset;
        }
        assertStoreHolds(store, aggregates, outcomes, eventsOffset);
      }
      try (RocksPartitionStore reopened = RocksPartitionStore.open(dir.resolve("p-0"), 0)) {
        assertStoreHolds(reopened, aggregates, outcomes, eventsOffset);
      }
    } finally {
      StoreFiles.deleteRecursively(dir);
    }
  }

  @Provide
  Arbitrary<List<List<Write>>> batches() {
    Arbitrary<String> types = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(4);
    // any UTF-16 text that encodes to UTF-8 and back unchanged, NUL included
    Arbitrary<String> ids = Arbitraries.strings().withCharRange('\u0000', '\ud7ff').ofMaxLength(6);
    Arbitrary<Write> writes = Combinators.combine(
            types, ids, Arbitraries.longs().greaterOrEqual(0), Arbitraries.strings().ofMaxLength(20),
            ids, Arbitraries.of("A", "B", "POST_ARCHIVED"))
        .as(Write::new);
    return writes.list().ofMaxSize(12).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Long>> offsets() {
    return Arbitraries.longs().greaterOrEqual(0).list().ofMinSize(1).ofMaxSize(4);
  }

  private static void assertStoreHolds(PartitionStore store,
      Map<StoreBatch.AggregateKey, StoredAggregate> aggregates, Map<String, OutcomeRecord> outcomes,
      long eventsOffset) {
    aggregates.forEach((key, value) ->
        assertThat(store.aggregate(key.aggregateType(), key.aggregateId())).contains(value));
    outcomes.forEach((commandId, value) -> assertThat(store.outcome(commandId)).contains(value));
    assertThat(store.eventsOffset()).isEqualTo(eventsOffset);
  }
}
