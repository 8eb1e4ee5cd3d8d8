package io.tributary.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProjectionSettingsTest {
  @Test
  void copiesChangeOnlyTheirSetting() {
    ProjectionSettings defaults = ProjectionSettings.defaults("broker:9092");
    ProjectionSettings changed = defaults.withMaxBatchRecords(50).withKafkaProperties(Map.of("client.rack", "a"));

    assertThat(changed.maxBatchRecords()).isEqualTo(50);
    assertThat(changed.kafkaProperties()).containsEntry("client.rack", "a");
    assertThat(changed.bootstrapServers()).isEqualTo("broker:9092");
    assertThat(changed.maxAttempts()).isEqualTo(defaults.maxAttempts());
  }

  @Test
  void refusesABackoffCeilingBelowItsStart() {
    assertThatThrownBy(() -> ProjectionSettings.defaults("broker:9092")
        .withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBackoff (PT1S) is below initialBackoff (PT2S)");
  }
}
