package io.tributary.projection.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.core.error.PermanentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ViewSink} shows, run unchanged against each real store: a sink module
 * extends this class in an {@code *IT} class and supplies the sink, the update kinds and a way to
 * read a view back. Abstract, so JUnit never runs it on its own.
 *
 * <p>Each test uses its own projection name, and {@link #openSink()} is called after the subclass's
 * {@code @BeforeEach} picked a fresh namespace (key prefix, index), so tests never see each other's
 * data.
 */
public abstract class ViewSinkContractTest {

  private final List<ViewSink> opened = new ArrayList<>();
  /** The projection name of the running test. */
  protected String projection = "";

  /** @return a new sink over the store and namespace of the running test; closed after the test */
  protected abstract ViewSink openSink();

  /** @return an update that sets view {@code id} to {@code value}, a kind the sink supports */
  protected abstract ViewUpdate put(String id, String value);

  /** @return the value of view {@code id} as written by {@link #put}, read with the raw client */
  protected abstract Optional<String> readBack(String id);

  /** @return an update kind this sink does not support, targeting view {@code id} */
  protected abstract ViewUpdate unsupported(String id);

  @BeforeEach
  void nameProjection() {
    projection = "contract-" + UUID.randomUUID();
  }

  @AfterEach
  void closeSinks() {
    RuntimeException first = null;
    for (ViewSink sink : opened) {
      try {
        sink.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (first != null) {
      throw first;
    }
  }

  /** @return a sink opened through {@link #openSink()}, closed after the test */
  protected final ViewSink sink() {
    if (opened.isEmpty()) {
      return newSink();
    }
    return opened.getFirst();
  }

  /** @return another sink instance over the same store and namespace, as after a restart */
  protected final ViewSink newSink() {
    ViewSink sink = openSink();
    opened.add(sink);
    return sink;
  }

  @Test
  void appliedBatchIsVisibleAndPositionIsItsLastOffset() {
    ViewSink sink = sink();
    assertThat(sink.position(projection, 0)).isEmpty();

    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 10, put("a", "alpine")),
        SourcedUpdates.of(0, 11, put("b", "brenner"), put("c", "col")),
        SourcedUpdates.of(0, 14)));

    assertThat(readBack("a")).contains("alpine");
    assertThat(readBack("b")).contains("brenner");
    assertThat(readBack("c")).contains("col");
    assertThat(sink.position(projection, 0)).hasValue(14);
  }

  @Test
  void replayedBatchChangesNothing() {
    ViewSink sink = sink();
    List<SourcedUpdates> batch = List.of(
        SourcedUpdates.of(0, 5, put("a", "first")),
        SourcedUpdates.of(0, 6, put("a", "second")));
    sink.apply(projection, 0, batch);
    sink.apply(projection, 0, batch);
    // an older entry replayed alone must not undo the newer one
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 5, put("a", "first"))));

    assertThat(readBack("a")).contains("second");
    assertThat(sink.position(projection, 0)).hasValue(6);
  }

  @Test
  void overlappingBatchAppliesOnlyNewerEntries() {
    ViewSink sink = sink();
    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 1, put("a", "a1")),
        SourcedUpdates.of(0, 2, put("b", "b2"))));

    sink.apply(projection, 0, List.of(
        SourcedUpdates.of(0, 1, put("a", "a1-replayed")),
        SourcedUpdates.of(0, 2, put("b", "b2-replayed")),
        SourcedUpdates.of(0, 3, put("a", "a3")),
        SourcedUpdates.of(0, 4, put("c", "c4"))));

    assertThat(readBack("a")).contains("a3");
    assertThat(readBack("b")).contains("b2");
    assertThat(readBack("c")).contains("c4");
    assertThat(sink.position(projection, 0)).hasValue(4);
  }

  @Test
  void positionsArePerProjectionAndPartition() {
    ViewSink sink = sink();
    String other = projection + "-other";
    sink.apply(projection, 0, List.of(SourcedUpdates.of(0, 100, put("p0", "x"))));
    sink.apply(projection, 1, List.of(SourcedUpdates.of(1, 7, put("p1", "y"))));

    assertThat(sink.position(projection, 0)).hasValue(100);
    assertThat(sink.position(projection, 1)).hasValue(7);
    assertThat(sink.position(projection, 2)).isEmpty();
    assertThat(sink.position(other, 0)).isEmpty();

    // a low offset in partition 1 is new there, even though partition 0 is far ahead
    sink.apply(projection, 1, List.of(SourcedUpdates.of(1, 8, put("p1", "z"))));
    sink.apply(other, 0, List.of(SourcedUpdates.of(0, 3, put("q0", "w"))));

    assertThat(readBack("p1")).contains("z");
    assertThat(readBack("q0")).contains("w");
    assertThat(sink.position(projection, 0)).hasValue(100);
    assertThat(sink.position(projection, 1)).hasValue(8);
    assertThat(sink.position(other, 0)).hasValue(3);
  }

  @Test
  void unsupportedUpdateIsRejectedBeforeAnythingIsWritten() {
    ViewSink sink = sink();
    ViewUpdate unsupported = unsupported("u");
    assertThat(sink.supports()).doesNotContain(unsupported.getClass());

    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(
            SourcedUpdates.of(0, 1, put("before", "written?")),
            SourcedUpdates.of(0, 2, unsupported))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(unsupported.getClass().getSimpleName())
        .hasMessageMatching("(?s).*(RedisViewSink|ElasticsearchViewSink).*");

    assertThat(readBack("before")).isEmpty();
    assertThat(sink.position(projection, 0)).isEmpty();
  }

  @Test
  void batchFromAnotherPartitionIsRejected() {
    ViewSink sink = sink();
    assertThatThrownBy(() -> sink.apply(projection, 0, List.of(SourcedUpdates.of(1, 1, put("a", "x")))))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("partition 0");
    assertThat(readBack("a")).isEmpty();
  }

  @Test
  void restartedSinkReportsTheSamePosition() {
    sink().apply(projection, 3, List.of(
        SourcedUpdates.of(3, 41, put("a", "before restart")),
        SourcedUpdates.of(3, 42, put("b", "before restart"))));

    ViewSink restarted = newSink();
    OptionalLong position = restarted.position(projection, 3);
    assertThat(position).hasValue(42);

    // the restarted sink resumes: older entries stay skipped, newer ones apply
    restarted.apply(projection, 3, List.of(
        SourcedUpdates.of(3, 42, put("b", "replayed")),
        SourcedUpdates.of(3, 43, put("c", "after restart"))));
    assertThat(readBack("b")).contains("before restart");
    assertThat(readBack("c")).contains("after restart");
    assertThat(restarted.position(projection, 3)).hasValue(43);
  }
}
