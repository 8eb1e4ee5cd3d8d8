package io.tributary.projection.rebuild.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tributary.projection.rebuild.RebuildProgress;
import io.tributary.projection.rebuild.internal.Backlog.PartitionBacklog;
import io.tributary.runtime.snapshot.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProgressMeterTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ProgressMeter meter = new ProgressMeter(2, clock);

  private static SortedMap<Integer, PartitionBacklog> backlog(PartitionBacklog... partitions) {
    SortedMap<Integer, PartitionBacklog> map = new TreeMap<>();
    for (PartitionBacklog partition : partitions) {
      map.put(partition.partition(), partition);
    }
    return map;
  }

  @Test
  void firstSampleHasNoRateAndNoEta() {
    RebuildProgress progress = meter.record(backlog(new PartitionBacklog(0, 100, 1_100, false),
        new PartitionBacklog(1, 0, 0, true)), false);

    assertThat(progress.version()).isEqualTo(2);
    assertThat(progress.eventsDone()).isEqualTo(100);
    assertThat(progress.eventsLeft()).isEqualTo(1_000);
    assertThat(progress.ratePerSecond()).isZero();
    assertThat(progress.eta()).isNull();
    assertThat(progress.caughtUp()).isFalse();
    assertThat(progress.partitions().get(1).caughtUp()).isTrue();
  }

  @Test
  void rateIsOffsetsPerSecondBetweenSamplesAndGivesTheEta() {
    meter.record(backlog(new PartitionBacklog(0, 100, 1_100, false)), false);
    clock.advance(Duration.ofSeconds(2));
    RebuildProgress progress = meter.record(backlog(new PartitionBacklog(0, 300, 1_100, false)), false);

    assertThat(progress.ratePerSecond()).isCloseTo(100, within(0.001));
    assertThat(progress.eta()).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void aDrainedPartitionHasNothingLeftEvenWhenMarkersSeparateItFromTheEnd() {
    PartitionBacklog drained = new PartitionBacklog(0, 41, 42, true);
    RebuildProgress progress = meter.record(backlog(drained), true);

    assertThat(drained.left()).isZero();
    assertThat(progress.caughtUp()).isTrue();
    assertThat(progress.published()).isTrue();
    assertThat(progress.eta()).isEqualTo(Duration.ZERO);
  }

  @Test
  void noPartitionsIsNotCaughtUp() {
    assertThat(meter.record(new TreeMap<>(), false).caughtUp()).isFalse();
  }
}
