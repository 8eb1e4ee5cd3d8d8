package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StoreMemoryTest {
  @Test
  void defaultsAreEightMibMemtablesAndA32MibBlockCache() {
    StoreMemory defaults = StoreMemory.defaults();

    assertThat(defaults.memtableBytes()).isEqualTo(8L << 20);
    assertThat(defaults.blockCacheBytes()).isEqualTo(32L << 20);
    assertThat(RuntimeSettings.defaults("localhost:9092", java.nio.file.Path.of("state")).storeMemory())
        .isEqualTo(defaults);
  }

  @Test
  void copiesChangeOneSize() {
    StoreMemory small = StoreMemory.defaults().withMemtableBytes(1L << 20).withBlockCacheBytes(0);

    assertThat(small).isEqualTo(new StoreMemory(1L << 20, 0));
    assertThat(small.dedupeFilterBytes()).isEqualTo(StoreMemory.DEFAULT_DEDUPE_FILTER_BYTES);
    assertThat(small.withDedupeFilterBytes(0)).isEqualTo(new StoreMemory(1L << 20, 0, 0));
  }

  @Test
  void refusesSizesRocksDbCannotUseAndSaysWhatToUse() {
    assertThatThrownBy(() -> new StoreMemory(StoreMemory.MIN_MEMTABLE_BYTES - 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65535 bytes is below RocksDB's least, 65536 bytes")
        .hasMessageContaining("use 64 KiB or more");
    assertThatThrownBy(() -> new StoreMemory(8L << 20, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1 bytes is negative; use 0 (no cache) or more");
    assertThatThrownBy(() -> StoreMemory.defaults().withDedupeFilterBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("A dedupe filter of -1 bytes is out of range; use 0 (no filter) to 1073741824");
    assertThatThrownBy(() -> StoreMemory.defaults().withDedupeFilterBytes((1L << 30) + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1073741825 bytes is out of range");
  }
}
