package io.tributary.runtime.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SnapshotPolicyTest {
  @Test
  void defaultsToEveryFiveMinutesAfterTenThousandEventsKeepingThree() {
    assertThat(SnapshotPolicy.defaults())
        .isEqualTo(new SnapshotPolicy(Duration.ofMinutes(5), 10_000, 3));
  }

  @Test
  void copiesWithOneSettingChanged() {
    SnapshotPolicy policy = SnapshotPolicy.defaults()
        .withInterval(Duration.ofSeconds(30))
        .withMinEventsBetween(5)
        .withRetained(1);

    assertThat(policy).isEqualTo(new SnapshotPolicy(Duration.ofSeconds(30), 5, 1));
    assertThat(SnapshotPolicy.defaults().interval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void refusesSettingsThatMakeNoSense() {
    assertThatThrownBy(() -> SnapshotPolicy.defaults().withRetained(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keep at least 1");
    assertThatThrownBy(() -> SnapshotPolicy.defaults().withInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(() -> SnapshotPolicy.defaults().withMinEventsBetween(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
  }
}
