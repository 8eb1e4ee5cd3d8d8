package io.tributary.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import io.tributary.runtime.snapshot.SnapshotStore;
import java.nio.file.Path;
import java.time.Clock;
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

  @Test
  void keepsSnapshotsUnderTheStateDirectoryUnlessAStoreIsGiven() {
    ProjectionSettings settings = ProjectionSettings.defaults("broker:9092").withStateDir(Path.of("/var/lib/views"))
        .withSnapshotPolicy(SnapshotPolicy.defaults().withRetained(5));

    assertThat(settings.stateDir()).isEqualTo(Path.of("/var/lib/views"));
    assertThat(settings.snapshotPolicy().retained()).isEqualTo(5);
    assertThat(settings.snapshotStore()).isNull();
    assertThat(settings.snapshots().toString()).contains(Path.of("/var/lib/views", "snapshots").toString());
    SnapshotStore given = new DirectorySnapshotStore(Path.of("/mnt/snapshots"), Clock.systemUTC());
    assertThat(settings.withSnapshotStore(given).snapshots()).isSameAs(given);
    assertThat(settings.withSnapshotStore(given).maxAttempts()).isEqualTo(settings.maxAttempts());
  }
}
