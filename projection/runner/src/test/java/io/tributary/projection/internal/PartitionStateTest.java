package io.tributary.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.core.KeyedState;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionStateTest {
  @TempDir Path dir;

  @Test
  void readsSeeTheBatchsEarlierWritesBeforeTheyAreStored() {
    try (PartitionState state = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      state.forEvent().put("a", bytes("1"));
      state.commitEvent();

      KeyedState<byte[]> second = state.forEvent();
      assertThat(text(second.get("a"))).contains("1");
      second.put("a", bytes("2"));
      assertThat(text(second.get("a"))).contains("2");
      state.commitEvent();
      assertThat(state.nextOffset()).as("nothing stored yet").isZero();
    }
    try (PartitionState reopened = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      assertThat(reopened.forEvent().get("a")).as("a batch never written is not stored").isEmpty();
    }
  }

  @Test
  void storesTheBatchWithItsNextOffsetInOneWrite() {
    try (PartitionState state = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      state.forEvent().put("a", bytes("1"));
      state.commitEvent();
      state.forEvent().put("b", bytes("2"));
      state.commitEvent();
      state.write(8);
    }
    try (PartitionState reopened = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      assertThat(reopened.nextOffset()).isEqualTo(8);
      assertThat(text(reopened.forEvent().get("a"))).contains("1");
      assertThat(text(reopened.forEvent().get("b"))).contains("2");
    }
  }

  @Test
  void dropsTheWritesOfAnEventThatFailedAndOfABatchTheSinkRefused() {
    try (PartitionState state = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      state.forEvent().put("kept", bytes("1"));
      state.commitEvent();
      state.forEvent().put("failed", bytes("x"));
      state.discardEvent();
      assertThat(state.forEvent().get("failed")).isEmpty();
      state.write(2);

      state.forEvent().put("refused", bytes("y"));
      state.commitEvent();
      state.discardBatch();
      assertThat(state.forEvent().get("refused")).isEmpty();
      assertThat(text(state.forEvent().get("kept"))).contains("1");
    }
  }

  @Test
  void aRemovedKeyStaysRemovedAfterTheWrite() {
    try (PartitionState state = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      state.forEvent().put("a", bytes("1"));
      state.commitEvent();
      state.write(1);
      state.forEvent().remove("a");
      state.commitEvent();
      assertThat(state.forEvent().get("a")).isEmpty();
      state.write(2);
    }
    try (PartitionState reopened = new PartitionState(RocksPartitionStore.open(dir.resolve("0"), 0))) {
      assertThat(reopened.forEvent().get("a")).isEmpty();
      assertThat(reopened.nextOffset()).isEqualTo(2);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<String> text(Optional<byte[]> value) {
    return value.map(bytes -> new String(bytes, StandardCharsets.UTF_8));
  }
}
