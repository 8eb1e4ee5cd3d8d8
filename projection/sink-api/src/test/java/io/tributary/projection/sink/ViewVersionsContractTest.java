package io.tributary.projection.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ViewVersions} shows, run unchanged against each real store: a sink
 * module extends this class in an {@code *IT} class and supplies the versions, a sink writing one
 * version's namespace, and two ways to read a view back (through the live pointer, as a reader
 * does, and from one version's namespace directly). Abstract, so JUnit never runs it on its own.
 *
 * <p>{@link #projection} is set before the subclass's {@code @BeforeEach} runs, and is fresh for
 * every test, so tests never see each other's data. A test may switch it to a second projection, so
 * the abstract methods read it when they are called.
 */
public abstract class ViewVersionsContractTest {

  private final List<ViewSink> opened = new ArrayList<>();
  /** The projection name of the running test. */
  protected String projection = "";

  /** @return the versions under test, over the store and namespace of the running test */
  protected abstract ViewVersions versions();

  /**
   * @return a new sink writing the views of {@code version} of {@link #projection} (creating what the
   *     store needs for that version, such as indices); closed after the test
   */
  protected abstract ViewSink openSink(int version);

  /** @return an update that sets view {@code id} to {@code value}, a kind the sink supports */
  protected abstract ViewUpdate put(String id, String value);

  /** @return view {@code id} as a reader sees it: through the live pointer, with the raw client */
  protected abstract Optional<String> readLive(String id);

  /** @return view {@code id} as stored in {@code version}, with the raw client, whatever is live */
  protected abstract Optional<String> readVersion(int version, String id);

  @BeforeEach
  void nameProjection() {
    projection = "versions-" + UUID.randomUUID();
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

  /** Writes {@code value} under {@code id} into {@code version}, as event {@code offset} of partition 0. */
  protected final ViewSink write(int version, long offset, String id, String value) {
    ViewSink sink = openSink(version);
    opened.add(sink);
    sink.apply(ViewNames.positionsId(projection, version), 0, List.of(SourcedUpdates.of(0, offset, put(id, value))));
    return sink;
  }

  @Test
  void nothingIsLiveBeforeTheFirstPublish() {
    assertThat(versions().live(projection)).isEmpty();
    write(1, 0, "a", "one");
    assertThat(versions().live(projection)).isEmpty();
  }

  @Test
  void publishedVersionIsLiveAndReadersSeeItsViews() {
    write(1, 0, "a", "one");
    versions().publish(projection, 1);

    assertThat(versions().live(projection)).hasValue(1);
    assertThat(readLive("a")).contains("one");
  }

  @Test
  void readersSeeTheOldViewsUntilTheFlipAndTheNewOnesAfter() {
    write(1, 0, "a", "old");
    versions().publish(projection, 1);
    write(2, 0, "a", "new");
    write(2, 1, "b", "only in the new version");

    assertThat(readLive("a")).contains("old");
    assertThat(readLive("b")).isEmpty();

    versions().publish(projection, 2);
    assertThat(versions().live(projection)).hasValue(2);
    assertThat(readLive("a")).contains("new");
    assertThat(readLive("b")).contains("only in the new version");
  }

  @Test
  void publishingTheLiveVersionAgainChangesNothing() {
    write(1, 0, "a", "one");
    versions().publish(projection, 1);
    versions().publish(projection, 1);

    assertThat(versions().live(projection)).hasValue(1);
    assertThat(readLive("a")).contains("one");
  }

  @Test
  void publishingAnOlderVersionThatWasNotDroppedRollsBack() {
    write(1, 0, "a", "old");
    write(2, 0, "a", "new");
    versions().publish(projection, 1);
    versions().publish(projection, 2);

    versions().publish(projection, 1);

    assertThat(versions().live(projection)).hasValue(1);
    assertThat(readLive("a")).contains("old");
    assertThat(readVersion(2, "a")).contains("new");
  }

  @Test
  void droppingTheLiveVersionIsRefused() {
    write(1, 0, "a", "one");
    versions().publish(projection, 1);

    assertThatThrownBy(() -> versions().drop(projection, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Version 1")
        .hasMessageContaining(projection)
        .hasMessageContaining("publish another version first");
    assertThat(readLive("a")).contains("one");
  }

  @Test
  void dropDeletesTheViewsAndPositionsOfThatVersionOnly() {
    ViewSink old = write(1, 7, "a", "old");
    write(2, 9, "a", "new");
    versions().publish(projection, 2);

    versions().drop(projection, 1);

    assertThat(readVersion(1, "a")).isEmpty();
    assertThat(old.position(ViewNames.positionsId(projection, 1), 0)).isEmpty();
    assertThat(readVersion(2, "a")).contains("new");
    assertThat(readLive("a")).contains("new");
    ViewSink current = openSink(2);
    opened.add(current);
    assertThat(current.position(ViewNames.positionsId(projection, 2), 0)).hasValue(9);
  }

  @Test
  void droppingAVersionThatHasNothingIsNoError() {
    versions().drop(projection, 7);
    write(1, 0, "a", "one");
    versions().publish(projection, 1);
    versions().drop(projection, 7);

    assertThat(readLive("a")).contains("one");
  }

  @Test
  void versionsOfOneProjectionDoNotTouchAnother() {
    String first = projection;
    write(1, 0, "a", "first's");
    versions().publish(first, 1);

    projection = first + "-other";
    assertThat(versions().live(projection)).isEmpty();
    versions().drop(projection, 1);

    projection = first;
    assertThat(readLive("a")).contains("first's");
  }

  /**
   * Readers that query while the pointer flips back and forth see one version or the other on every
   * read: never an error, never nothing.
   */
  @Test
  void readersNeverSeeAGapWhileThePointerFlips() throws InterruptedException {
    write(1, 0, "a", "old");
    write(2, 0, "a", "new");
    versions().publish(projection, 1);

    AtomicBoolean flipping = new AtomicBoolean(true);
    AtomicReference<Throwable> readFailure = new AtomicReference<>();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger reads = new AtomicInteger();
    Thread reader = Thread.ofPlatform().name("contract-reader").start(() -> {
      try {
        while (flipping.get() || reads.get() == 0) {
          Optional<String> value = readLive("a");
          reads.incrementAndGet();
          if (value.isEmpty()) {
            throw new AssertionError("read nothing through the live pointer after " + reads.get() + " reads");
          }
          seen.add(value.get());
        }
      } catch (Throwable e) {
        readFailure.set(e);
      }
    });
    try {
      for (int flip = 0; flip < 20 && readFailure.get() == null; flip++) {
        versions().publish(projection, flip % 2 == 0 ? 2 : 1);
      }
    } finally {
      flipping.set(false);
      reader.join();
    }

    assertThat(readFailure.get()).isNull();
    assertThat(reads.get()).isPositive();
    assertThat(seen).isSubsetOf("old", "new");
    assertThat(versions().live(projection)).hasValue(1);
  }
}
