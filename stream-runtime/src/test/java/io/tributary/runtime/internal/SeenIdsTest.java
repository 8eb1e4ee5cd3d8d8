package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.runtime.internal.store.CommandKey;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SeenIdsTest {
  @Property(tries = 200)
  void answersMaybeForEveryIdAddedAsItGrowsPastWhatItWasSizedFor(@ForAll @IntRange(max = 64) int sizedFor,
      @ForAll @IntRange(max = 3_000) int added) {
    SeenIds seen = new SeenIds(sizedFor);
    List<Long> hashes = IntStream.range(0, added).mapToObj(i -> CommandKey.of("c-" + i).hash()).toList();
    hashes.forEach(seen::add);

    assertThat(hashes).allMatch(seen::mightContain);
  }

  @Test
  void answersNoForMostIdsNotAdded() {
    SeenIds seen = new SeenIds(100); // grows to 6,000
    IntStream.range(0, 6_000).forEach(i -> seen.add(CommandKey.of("added-" + i).hash()));

    long maybe = IntStream.range(0, 100_000).filter(i -> seen.mightContain(CommandKey.of("other-" + i).hash())).count();

    assertThat(maybe).as("false answers of 100,000, at 16 bits or more per id").isLessThan(2_500);
  }
}
