package io.tributary.projection.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import io.tributary.projection.sink.ViewUpdate.ScoreIncrement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewUpdateTest {

  @Test
  void rejectsEmptyKeysAndNonFiniteScores() {
    assertThatThrownBy(() -> new PutValue("", "x")).hasMessageContaining("key must not be empty");
    assertThatThrownBy(() -> new ScoreIncrement("top", "p1", Double.NaN)).hasMessageContaining("delta must be a finite number");
    assertThatThrownBy(() -> new PutFields("post", Map.of())).hasMessageContaining("has no fields");
  }

  @Test
  void copiesCollectionsSoLaterChangesAreNotSeen() {
    Map<String, String> fields = new HashMap<>(Map.of("title", "Alpine"));
    PutFields put = new PutFields("post", fields);
    fields.put("title", "changed");
    assertThat(put.fields()).containsEntry("title", "Alpine");

    List<ViewUpdate> updates = new ArrayList<>(List.of(put));
    SourcedUpdates sourced = new SourcedUpdates(new SourcePosition(0, 1), updates);
    updates.clear();
    assertThat(sourced.updates()).containsExactly(put);
  }

  @Test
  void rejectsNegativePositions() {
    assertThatThrownBy(() -> new SourcePosition(-1, 0)).hasMessageContaining("partition must be >= 0");
    assertThatThrownBy(() -> new SourcePosition(0, -1)).hasMessageContaining("offset must be >= 0, was -1 (partition 0)");
  }
}
