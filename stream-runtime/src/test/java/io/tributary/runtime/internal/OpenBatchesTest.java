package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenBatchesTest {
  @TempDir Path temp;
  private final Map<Integer, RocksPartitionStore> stores = new HashMap<>();

  @AfterEach
  void tearDown() {
    stores.values().forEach(RocksPartitionStore::close);
  }

  @Test
  void decidesAtMostTheLimitAcrossPartitionsAndLeavesTheRestToBeReadAgain() {
    OpenBatches open = new OpenBatches(7);

    assertThat(open.isEmpty()).isTrue();
    assertThat(open.decide(0, records(0, 10, 5), this::batch)).as("all fit").isEqualTo(-1);
    assertThat(open.isEmpty()).isFalse();
    assertThat(open.isFull()).isFalse();
    assertThat(open.decide(1, records(1, 40, 5), this::batch)).as("two fit").isEqualTo(42);
    assertThat(open.isFull()).isTrue();
    assertThat(open.decide(2, records(2, 0, 3), this::batch)).as("none fits").isZero();

    List<PartitionBatch> drained = open.drain();
    assertThat(drained).extracting(PartitionBatch::partition).containsExactlyInAnyOrder(0, 1);
    assertThat(drained).extracting(PartitionBatch::commandCount).containsExactlyInAnyOrder(5, 2);
    assertThat(drained).filteredOn(batch -> batch.partition() == 1).singleElement()
        .satisfies(batch -> assertThat(batch.nextCommandOffset()).isEqualTo(42));
    assertThat(open.drain()).as("nothing open after a drain").isEmpty();
    assertThat(open.isEmpty()).isTrue();
    assertThat(open.isFull()).isFalse();
  }

  @Test
  void aDroppedBatchGivesItsRoomBack() {
    OpenBatches open = new OpenBatches(6);
    open.decide(0, records(0, 0, 2), this::batch);
    open.decide(1, records(1, 0, 4), this::batch);

    assertThat(open.isFull()).isTrue();
    open.drop(1);

    assertThat(open.isFull()).isFalse();
    assertThat(open.decide(2, records(2, 0, 4), this::batch)).as("the dropped batch's room is free").isEqualTo(-1);
    assertThat(open.drain()).extracting(PartitionBatch::partition).containsExactlyInAnyOrder(0, 2);
  }

  @Test
  void addsLaterPollsOfAPartitionToItsOpenBatch() {
    OpenBatches open = new OpenBatches(20);
    open.decide(3, records(3, 0, 4), this::batch);
    open.decide(3, records(3, 4, 4), this::batch);

    assertThat(open.drain()).singleElement().satisfies(batch -> {
      assertThat(batch.commandCount()).isEqualTo(8);
      assertThat(batch.firstCommandOffset()).isZero();
      assertThat(batch.nextCommandOffset()).isEqualTo(8);
    });
  }

  @Test
  void keepsTheOldestAppendTimeAndTheDecisionTimeUntilADrain() {
    OpenBatches open = new OpenBatches(20);
    assertThat(open.oldestAppend()).isEqualTo(Long.MAX_VALUE);

    open.decide(1, records(1, 50, 2), this::batch);
    open.decide(2, records(2, 10, 2), this::batch);
    assertThat(open.decide(3, records(3, 0, 20), this::batch)).as("the 4 that fit").isEqualTo(16);

    assertThat(open.oldestAppend()).as("partition 3's first, appended at 1,000").isEqualTo(1_000);
    assertThat(open.decideNanos()).isPositive();
    assertThat(open.commandCount()).isEqualTo(20);
    open.drain();
    assertThat(open.oldestAppend()).isEqualTo(Long.MAX_VALUE);
    assertThat(open.decideNanos()).isZero();
    assertThat(open.commandCount()).isZero();
  }

  /** Command records that do not parse (each still gets an outcome, so each counts), appended at 1,000 + offset. */
  private static List<ConsumerRecord<byte[], byte[]>> records(int partition, long from, int count) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    LongStream.range(from, from + count).forEach(offset -> records.add(new ConsumerRecord<>("svc.commands", partition,
        offset, 1_000 + offset, TimestampType.CREATE_TIME, 0, 1, new byte[0], new byte[] {(byte) 0xff},
        new RecordHeaders(), Optional.empty())));
    return records;
  }

  private PartitionBatch batch(int partition) {
    RocksPartitionStore store = stores.computeIfAbsent(partition,
        p -> RocksPartitionStore.open(temp.resolve("p-" + p), p));
    return new PartitionBatch(partition, store, new StateCache(8_000), null, Account.service("svc"), new Partitioner(8),
        Clock.systemUTC(), ByteString.copyFromUtf8("instance-1"), 8, RecordSizeLimit.of(Map.of()));
  }
}
