package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateCacheTest {
  private static final Partitioner PARTITIONER = new Partitioner(8);
  private static final String ACCOUNT = "alice";
  private static final int PARTITION = PARTITIONER.partitionFor(ACCOUNT);
  private static final AggregateKey KEY = new AggregateKey(Account.TYPE, ACCOUNT);
  private static final ServiceDefinition SERVICE = Account.service("svc");

  @TempDir Path temp;
  private RocksPartitionStore store;
  private long nextOffset;

  @BeforeEach
  void setUp() {
    store = RocksPartitionStore.open(temp.resolve("p-" + PARTITION), PARTITION);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void dropsTheLeastRecentlyUsedFirstOnceTheEntriesWeighMoreThanItsCapacity() {
    AggregateKey a = new AggregateKey(Account.TYPE, "a");
    AggregateKey b = new AggregateKey(Account.TYPE, "b");
    AggregateKey c = new AggregateKey(Account.TYPE, "c");
    long each = StateCache.weight(a, balance(1));
    assertThat(each).as("overhead, id and encoded state")
        .isEqualTo(StateCache.ENTRY_OVERHEAD_BYTES + 1 + balance(1).getSerializedSize());
    StateCache cache = new StateCache(2 * each + each / 2); // two entries of this size, not three
    cache.put(a, balance(1), 1);
    cache.put(b, balance(2), 1);
    assertThat(CachedState.of(cache, a)).isNotNull();

    cache.put(c, balance(3), 1);

    assertThat(CachedState.of(cache, b)).as("least recently used").isNull();
    assertThat(CachedState.of(cache, a)).isEqualTo(new CachedState(balance(1), 1));
    assertThat(CachedState.of(cache, c)).isEqualTo(new CachedState(balance(3), 1));
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.bytes()).isEqualTo(2 * each);
    assertThat(cache.takeHits()).isEqualTo(3);
    assertThat(cache.takeMisses()).isEqualTo(1);
    assertThat(cache.takeHits()).as("taken").isZero();
  }

  @Test
  void aLargerStateMakesRoomByDroppingAsManyAsItNeeds() {
    AggregateKey big = new AggregateKey(Account.TYPE, "big");
    long capacity = 800; // four small entries of about 185 bytes fit, not with the big one of about 200
    StateCache cache = new StateCache(capacity);
    for (int i = 0; i < 4; i++) {
      cache.put(new AggregateKey(Account.TYPE, "small-" + i), balance(i), 1);
    }
    assertThat(cache.size()).isEqualTo(4);
    AccountState large = AccountState.newBuilder().setBalance(1).setDeposits(1L << 60).setWithdrawals(1L << 60)
        .build();
    long room = capacity - StateCache.weight(big, large);

    cache.put(big, large, 1);

    assertThat(CachedState.of(cache, big)).as("the newest stays").isNotNull();
    assertThat(cache.bytes()).isLessThanOrEqualTo(capacity);
    assertThat(cache.size() - 1).as("the smaller entries that still fit")
        .isEqualTo((int) (room / StateCache.weight(new AggregateKey(Account.TYPE, "small-0"), balance(0))));
    assertThat(CachedState.of(cache, new AggregateKey(Account.TYPE, "small-0"))).as("the eldest went first").isNull();
  }

  @Test
  void aStateLargerThanTheCapacityIsNotKeptAndTheOthersStay() {
    AggregateKey small = new AggregateKey(Account.TYPE, "small");
    long smallWeight = StateCache.weight(small, balance(1));
    StateCache cache = new StateCache(smallWeight + 10);
    cache.put(small, balance(1), 1);
    cache.put(KEY, balance(7), 1);
    assertThat(CachedState.of(cache, KEY)).as("fits once the small one is gone").isNotNull();
    AccountState large = AccountState.newBuilder().setBalance(1L << 60).setDeposits(1L << 60).setWithdrawals(1L << 60)
        .build();
    assertThat(StateCache.weight(KEY, large)).isGreaterThan(smallWeight + 10);

    cache.put(KEY, large, 2);

    assertThat(CachedState.of(cache, KEY)).as("neither the large state nor the older one").isNull();
    assertThat(cache.size()).isZero();
    assertThat(cache.bytes()).isZero();
    cache.put(small, balance(1), 1);
    AggregateKey other = new AggregateKey(Account.TYPE, "other");
    cache.put(other, large, 1);
    assertThat(CachedState.of(cache, small)).as("a state too large for the cache evicts nothing").isNotNull();
    assertThat(CachedState.of(cache, other)).isNull();
    assertThat(cache.bytes()).isEqualTo(smallWeight);
  }

  @Test
  void aReplacedStateCountsOnce() {
    StateCache cache = new StateCache(10_000);
    cache.put(KEY, balance(5), 1);
    cache.put(KEY, balance(500_000), 2);

    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.bytes()).isEqualTo(StateCache.weight(KEY, balance(500_000)));
  }

  @Test
  void replacedStatesDoNotGrowTheEvictionOrderWithoutBound() {
    StateCache cache = new StateCache(1_000_000);
    AggregateKey other = new AggregateKey(Account.TYPE, "bob");
    cache.put(other, balance(1), 1);
    for (int version = 1; version <= 10_000; version++) {
      cache.put(KEY, balance(version), version); // each put leaves the replaced entry dropped in the order
    }

    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.orderLength()).as("dropped entries cleared out once they outnumber the live ones")
        .isLessThanOrEqualTo(2 * 2 + 64 + 1);
    assertThat(cache.entry(other)).as("a live entry stays through the clearing").isNotNull();
    assertThat(cache.entry(KEY).version()).isEqualTo(10_000);
  }

  @Test
  void anUpdateChangesTheEntryInPlaceWithItsWeight() {
    StateCache cache = new StateCache(10_000);
    StateCache.Entry entry = cache.put(KEY, balance(5), 1);

    cache.update(entry, KEY, balance(500_000), 2);

    assertThat(CachedState.of(cache, KEY)).isEqualTo(new CachedState(balance(500_000), 2));
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.bytes()).isEqualTo(StateCache.weight(KEY, balance(500_000)));
  }

  @Test
  void anUpdateOfAnEntryDroppedSinceKeepsTheStateAgain() {
    AggregateKey a = new AggregateKey(Account.TYPE, "a");
    AggregateKey b = new AggregateKey(Account.TYPE, "b");
    AggregateKey c = new AggregateKey(Account.TYPE, "c");
    StateCache cache = new StateCache(2 * StateCache.weight(a, balance(1)));
    StateCache.Entry ofA = cache.put(a, balance(1), 1);
    cache.put(b, balance(1), 1);
    cache.put(c, balance(1), 1); // a goes

    cache.update(ofA, a, balance(2), 2); // b goes

    assertThat(CachedState.of(cache, a)).isEqualTo(new CachedState(balance(2), 2));
    assertThat(CachedState.of(cache, b)).isNull();
    assertThat(CachedState.of(cache, c)).isNotNull();
    assertThat(cache.bytes()).isEqualTo(2 * StateCache.weight(a, balance(1)));
  }

  @Test
  void anUpdateToAStateLargerThanTheCapacityDropsTheEntry() {
    AccountState small = balance(1);
    StateCache cache = new StateCache(StateCache.weight(KEY, small) + 10);
    StateCache.Entry entry = cache.put(KEY, small, 1);
    AccountState large = AccountState.newBuilder().setBalance(1L << 60).setDeposits(1L << 60).setWithdrawals(1L << 60)
        .build();

    cache.update(entry, KEY, large, 2);

    assertThat(CachedState.of(cache, KEY)).isNull();
    assertThat(cache.bytes()).isZero();
    cache.update(entry, KEY, small, 3); // the dropped entry: kept again as a new one
    assertThat(CachedState.of(cache, KEY)).isEqualTo(new CachedState(small, 3));
  }

  @Test
  void keepsNothingWithoutCapacity() {
    StateCache cache = new StateCache(0);
    cache.put(KEY, balance(5), 1);

    assertThat(CachedState.of(cache, KEY)).isNull();
    assertThat(cache.size()).isZero();
    assertThat(cache.bytes()).isZero();
  }

  @Test
  void anAbortedBatchLeavesNoStateButACommittedOneIsReadBeforeTheStore() {
    StateCache cache = new StateCache(10_000);

    PartitionBatch aborted = batch(cache);
    aborted.decide(nextOffset++, command("c-1", Account.deposit(ACCOUNT, 100)));
    // never committed: nothing cached, nothing stored

    PartitionBatch second = batch(cache);
    second.decide(nextOffset++, command("c-2", Account.withdraw(ACCOUNT, 50)));
    assertThat(second.decidedOutcomes().getFirst().get().getRejected().getCode())
        .as("the aborted deposit is not seen").isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(CachedState.of(cache, KEY)).isNull();

    PartitionBatch committed = batch(cache);
    committed.decide(nextOffset++, command("c-3", Account.deposit(ACCOUNT, 100)));
    committed.cacheCommittedStates(); // its store write is still to come
    assertThat(store.aggregate(Account.TYPE, ACCOUNT)).isEmpty();

    PartitionBatch next = batch(cache);
    next.decide(nextOffset++, command("c-4", Account.withdraw(ACCOUNT, 50)));
    assertThat(DecodedEvents.of(next)).singleElement()
        .satisfies(event -> assertThat(event.getSequence()).as("after the cached version 1").isEqualTo(2));
    next.cacheCommittedStates();
    assertThat(CachedState.of(cache, KEY)).isEqualTo(new CachedState(balance(50).toBuilder()
        .setDeposits(1).setWithdrawals(1).build(), 2));
  }

  @Test
  void aStateReadFromTheStoreIsCached() {
    store.apply(new StoreBatch().putAggregate(Account.TYPE, ACCOUNT, StoredAggregate.newBuilder()
        .setVersion(5).setState(balance(70).toByteString()).build()));
    StateCache cache = new StateCache(10_000);

    PartitionBatch batch = batch(cache);
    batch.decide(nextOffset++, command("c-1", Account.withdraw(ACCOUNT, 100)));

    assertThat(batch.decidedOutcomes().getFirst().get().getRejected().getCode()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(CachedState.of(cache, KEY)).isEqualTo(new CachedState(balance(70), 5));
  }

  @Test
  void aBatchDecidedWhileAnotherIsInFlightReadsItsStatesAndOutcomesBeforeTheCache() {
    StateCache cache = new StateCache(10_000);
    PartitionBatch inFlight = batch(cache, null);
    inFlight.decide(nextOffset++, command("c-1", Account.deposit(ACCOUNT, 100)));
    inFlight.fillPositions(new long[] {41}); // sent: its event has offset 41, its transaction has not ended

    PartitionBatch next = batch(cache, inFlight);
    next.decide(nextOffset++, command("c-2", Account.withdraw(ACCOUNT, 60)));
    next.decide(nextOffset++, command("c-1", Account.deposit(ACCOUNT, 100)));

    assertThat(DecodedEvents.of(next)).singleElement()
        .satisfies(event -> assertThat(event.getSequence()).as("after the in-flight version 1").isEqualTo(2));
    assertThat(next.decidedOutcomes().get(1).get()).as("a resend of the in-flight command").satisfies(outcome -> {
      assertThat(outcome.getDuplicate()).isTrue();
      assertThat(outcome.getAccepted().getLastEvent().getOffset()).isEqualTo(41);
    });
    assertThat(CachedState.of(cache, KEY)).as("a state in flight is not committed").isNull();

    next.inFlightApplied(); // committed and written: the cache and the store tell from now on
    next.decide(nextOffset++, command("c-3", Account.withdraw(ACCOUNT, 30)));
    assertThat(DecodedEvents.of(next)).last().satisfies(event -> assertThat(event.getSequence()).isEqualTo(3));
  }

  @Test
  void anUnparseableRecordWhoseMadeUpIdACommandOfTheBatchCarriesLeavesThatCommandsDedupeEntry() {
    PartitionBatch batch = batch(new StateCache(10_000));
    long unparseableAt = nextOffset + 1;
    String madeUpId = "offset-" + PARTITION + "-" + unparseableAt;
    batch.decide(nextOffset++, command(madeUpId, Account.deposit(ACCOUNT, 100)));
    batch.decide(nextOffset++, new byte[] {(byte) 0xff}); // a tag cut short
    batch.fillPositions(new long[] {3});

    assertThat(batch.decidedOutcomes()).extracting(outcome -> outcome.get().getResultCase())
        .containsExactly(OutcomeRecord.ResultCase.ACCEPTED, OutcomeRecord.ResultCase.FAILED);
    StoreBatch written = batch.storeChanges(4, 1, Duration.ofDays(1));
    assertThat(written.outcomes()).as("one dedupe entry per id: the command's").singleElement()
        .satisfies(entry -> assertThat(entry.outcome().get().hasAccepted()).isTrue());
  }

  @Test
  void aCommittedBatchAnswersReadsFromTheChangesItWritesAndKeepsOnlyTheStatesItChanged() {
    String other = IntStream.range(0, 1000).mapToObj(i -> "bob-" + i)
        .filter(id -> PARTITIONER.partitionFor(id) == PARTITION).findFirst().orElseThrow();
    PartitionBatch committed = batch(new StateCache(10_000));
    committed.decide(nextOffset++, command("c-1", Account.deposit(ACCOUNT, 100)));
    committed.decide(nextOffset++, command("c-2", Account.withdraw(other, 10))); // rejected: unchanged
    committed.fillPositions(new long[] {7});

    PipelinedStore.Pending pending = committed.pendingChanges(8, 3, Duration.ofDays(1));
    StoreBatch written = pending.changes();

    assertThat(written.aggregates()).containsOnlyKeys(KEY);
    assertThat(pending.aggregate(KEY).get()).isEqualTo(written.aggregates().get(KEY).get())
        .satisfies(state -> assertThat(state.getVersion()).isEqualTo(1));
    assertThat(pending.aggregate(new AggregateKey(Account.TYPE, other))).as("only read, not changed").isNull();
    assertThat(written.outcomes()).extracting(outcome -> outcome.commandId().commandId()).containsExactly("c-1", "c-2");
    assertThat(pending.outcome(CommandKey.of("c-1")).get())
        .isEqualTo(written.outcome(CommandKey.of("c-1")).outcome().get());
    assertThat(pending.outcome(CommandKey.of("c-2")).get().getRejected().getCode()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(pending.outcome(CommandKey.of("c-3"))).isNull();
    assertThat(pending.nextEventsOffset()).hasValue(8);
    assertThat(pending.nextOutcomesOffset()).hasValue(3);
    assertThat(committed.pendingChanges(-1, -1, Duration.ofDays(1)).nextEventsOffset()).as("none appended")
        .isEmpty();
    assertThat(written.nextEventsOffset()).hasValue(8);
    assertThat(written.nextOutcomesOffset()).hasValue(3);
  }

  private PartitionBatch batch(StateCache cache) {
    return batch(cache, null);
  }

  private PartitionBatch batch(StateCache cache, PartitionBatch inFlight) {
    return new PartitionBatch(PARTITION, store, cache, inFlight, SERVICE, PARTITIONER, Clock.systemUTC(), ByteString.copyFromUtf8("instance-1"),
        4, RecordSizeLimit.of(Map.of()));
  }

  private static byte[] command(String commandId, AccountCommand command) {
    return CommandRecord.newBuilder()
        .setCommandId(commandId).setAggregateType(Account.TYPE).setAggregateId(command.getAccountId())
        .setCorrelationId(commandId).setCausationId(commandId)
        .setCommand(Payload.newBuilder().setTypeName(SERVICE.aggregate(Account.TYPE).commandCodec().typeName())
            .setData(command.toByteString()))
        .build().toByteArray();
  }

  private static AccountState balance(long amount) {
    return AccountState.newBuilder().setBalance(amount).build();
  }
}
