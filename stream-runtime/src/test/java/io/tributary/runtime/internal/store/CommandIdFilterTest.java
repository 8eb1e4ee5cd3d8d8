package io.tributary.runtime.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommandIdFilterTest {
  @Test
  void holdsEveryIdAddedAndFewOthersAtItsCapacity() {
    CommandIdFilter filter = CommandIdFilter.forIds(200_000, 1L << 30);
    long capacity = filter.capacity();
    assertThat(capacity).isGreaterThanOrEqualTo(200_000);
    for (long i = 0; i < capacity; i++) {
      filter.add(hash(new UUID(0, i).toString()));
    }
    for (long i = 0; i < capacity; i++) {
      assertThat(filter.mightContain(hash(new UUID(0, i).toString()))).isTrue();
    }
    int maybe = 0;
    int absent = 100_000;
    for (long i = 0; i < absent; i++) {
      maybe += filter.mightContain(hash(new UUID(1, i).toString())) ? 1 : 0;
    }
    assertThat(filter.added()).isEqualTo(capacity);
    assertThat((double) maybe / absent).as("false answers at capacity").isLessThan(0.02);
  }

  @Test
  void answersNoForAnyIdOfAnEmptyFilter() {
    CommandIdFilter filter = CommandIdFilter.forIds(0, 1L << 20);
    assertThat(filter.bytes()).isEqualTo(CommandIdFilter.MIN_BYTES);
    assertThat(filter.mightContain(hash("c-1"))).isFalse();
    assertThat(filter.mightContain(hash(""))).isFalse();
  }

  @Test
  void staysWithinItsBound() {
    assertThat(CommandIdFilter.forIds(10_000_000, 1L << 20).bytes()).isEqualTo(1L << 20);
    assertThat(CommandIdFilter.forIds(10_000_000, 100).bytes()).isEqualTo(64);
    assertThat(CommandIdFilter.bytesFor(Long.MAX_VALUE / 16, Long.MAX_VALUE)).as("at most 1 GiB")
        .isEqualTo(CommandIdFilter.MAX_BYTES);
    assertThat(CommandIdFilter.forIds(100_000, 1L << 30).bytes())
        .as("a power of two of at least 12 bits per id").isEqualTo(256L << 10);
  }

  @Test
  void hashesTheIdsBytesAfterTheKeysPrefix() {
    assertThat(hash("c-1")).isEqualTo(CommandIdFilter.hash(StoreKeys.outcome("c-1"), 1));
    assertThat(hash("c-1")).isNotEqualTo(hash("c-2"));
    assertThat(hash("")).isNotEqualTo(hash("\0"));
    assertThat(hash("0123456789abcdef")).as("whole words").isNotEqualTo(hash("0123456789abcdeg"));
    assertThat(hash("ünïcødé-🚗")).isNotEqualTo(hash("unicode"));
  }

  private static long hash(String id) {
    return CommandIdFilter.hash(id.getBytes(StandardCharsets.UTF_8), 0);
  }
}
