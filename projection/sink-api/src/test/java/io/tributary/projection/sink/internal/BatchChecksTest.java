package io.tributary.projection.sink.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.core.error.PermanentException;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.ViewUpdate.PutValue;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchChecksTest {

  private static final Set<Class<? extends ViewUpdate>> VALUES_ONLY = Set.of(PutValue.class);

  @Test
  void acceptsOrderedSupportedEntriesOfOnePartition() {
    assertThatCode(() -> BatchChecks.check("TestSink", VALUES_ONLY, "posts", 2, List.of(
            SourcedUpdates.of(2, 0, new PutValue("a", "1")),
            SourcedUpdates.of(2, 5),
            SourcedUpdates.of(2, 6, new PutValue("b", "2")))))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsUnsupportedKindNamingTheSinksThatApplyIt() {
    assertThatThrownBy(() -> BatchChecks.check("TestSink", VALUES_ONLY, "posts", 0,
            List.of(SourcedUpdates.of(0, 3, new PutDocument("posts", "p1", "{}")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("TestSink does not apply PutDocument")
        .hasMessageContaining("applied by ElasticsearchViewSink")
        .hasMessageContaining("0@3");
  }

  @Test
  void rejectsEntriesOutOfOrder() {
    assertThatThrownBy(() -> BatchChecks.check("TestSink", VALUES_ONLY, "posts", 0,
            List.of(SourcedUpdates.of(0, 3), SourcedUpdates.of(0, 3))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("offset 3 follows offset 3");
  }

  @Test
  void rejectsEntriesOfAnotherPartition() {
    assertThatThrownBy(() -> BatchChecks.check("TestSink", VALUES_ONLY, "posts", 0,
            List.of(SourcedUpdates.of(1, 3))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("partition 0")
        .hasMessageContaining("1@3");
  }

  @Test
  void rejectsAnEmptyProjectionName() {
    assertThatThrownBy(() -> BatchChecks.check("TestSink", VALUES_ONLY, "", 0, List.of()))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("projection name is empty");
  }
}
