package io.tributary.runtime.internal.store;

import static io.tributary.runtime.internal.store.StoreRecords.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import io.tributary.runtime.snapshot.MutableClock;
import io.tributary.runtime.snapshot.SnapshotInfo;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import io.tributary.runtime.snapshot.SnapshotStore;
import io.tributary.runtime.snapshot.SnapshotStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {
  private static final String SERVICE = "posts";
  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
  private static final SnapshotPolicy POLICY = SnapshotPolicy.defaults()
      .withInterval(Duration.ofMinutes(5))
      .withMinEventsBetween(100)
      .withRetained(2);

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(START);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private DirectorySnapshotStore snapshots;
  private RocksPartitionStore store;
  private Path workDir;

  @BeforeEach
  void setUp() {
    snapshots = new DirectorySnapshotStore(temp.resolve("snapshots"), clock);
    store = RocksPartitionStore.open(temp.resolve("state/p-0"), 0);
    workDir = temp.resolve("work");
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void spreadsTheFirstSnapshotsOfPartitionsThatHaveNone() {
    Snapshotter snapshotter = snapshotter(POLICY);
    try (RocksPartitionStore third = RocksPartitionStore.open(temp.resolve("state/p-3"), 3)) {
      // partition 0 is due after 100 events; partition 3 after 100 + 100 * frac(3 * 0.618...) = 185
      third.apply(new StoreBatch().putAggregate("Post", "p-3", state(184, "at 184")).eventsOffset(184));
      assertThat(snapshotter.maybeSnapshot(third, clock.instant(), 184)).isFalse();
      assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();
      third.apply(new StoreBatch().putAggregate("Post", "p-3", state(185, "at 185")).eventsOffset(185));
      assertThat(snapshotter.maybeSnapshot(third, clock.instant(), 185)).isTrue();
      assertThat(snapshots.list(SERVICE, 3)).singleElement().extracting(SnapshotInfo::eventsOffset).isEqualTo(185L);
    }
  }

  @Test
  void takesTheFirstSnapshotOnceEnoughEventsAreApplied() {
    Snapshotter snapshotter = snapshotter(POLICY);

    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(99))).isFalse();
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();

    List<SnapshotInfo> saved = snapshots.list(SERVICE, 0);
    assertThat(saved).singleElement().satisfies(info -> {
      assertThat(info.eventsOffset()).isEqualTo(100);
      assertThat(info.outcomesOffset()).isEqualTo(50);
    });
    assertThat(workDir).isEmptyDirectory();
    assertThat(registry.get(Snapshotter.SAVE_TIME).timer().count()).isEqualTo(1);
    assertThat(registry.get(Snapshotter.LAST_TIMESTAMP).tag("partition", "0").gauge().value())
        .isEqualTo(START.getEpochSecond());
  }

  @Test
  void waitsForTheIntervalAndForEnoughNewEvents() {
    Snapshotter snapshotter = snapshotter(POLICY);
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();

    clock.advance(Duration.ofMinutes(4));
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(500))).isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(500))).isTrue();
    clock.advance(Duration.ofMinutes(10));
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(599))).isFalse();
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(600))).isTrue();

    assertThat(snapshots.list(SERVICE, 0)).extracting(SnapshotInfo::eventsOffset)
        .containsExactly(600L, 500L);
  }

  @Test
  void resumesTheCadenceFromTheNewestStoredSnapshot() {
    assertThat(snapshotter(POLICY).maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();
    clock.advance(Duration.ofMinutes(1));

    Snapshotter afterRestart = snapshotter(POLICY);
    assertThat(afterRestart.maybeSnapshot(store, clock.instant(), applyUpTo(1000))).isFalse();
    clock.advance(Duration.ofMinutes(4));
    assertThat(afterRestart.maybeSnapshot(store, clock.instant(), applyUpTo(1000))).isTrue();

    assertThat(registry.find(Snapshotter.LAST_TIMESTAMP).gauges()).singleElement()
        .satisfies(gauge -> assertThat(gauge.value()).isEqualTo(clock.instant().getEpochSecond()));
  }

  @Test
  void removesTheGaugeOfAForgottenPartition() {
    Snapshotter snapshotter = snapshotter(POLICY);
    snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(1));

    snapshotter.forget(0);

    assertThat(registry.find(Snapshotter.LAST_TIMESTAMP).gauges()).isEmpty();
  }

  @Test
  void savesOnItsExecutorAndStartsNoSecondSaveWhileOneIsUnderWay() {
    List<Runnable> queued = new ArrayList<>();
    Snapshotter snapshotter = new Snapshotter(SERVICE, snapshots, POLICY, workDir, registry, queued::add);

    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();
    assertThat(snapshots.list(SERVICE, 0)).as("saved only when the executor runs the save").isEmpty();
    clock.advance(Duration.ofMinutes(10));
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(1000))).as("one under way").isFalse();

    queued.removeFirst().run();
    assertThat(snapshots.list(SERVICE, 0)).singleElement()
        .satisfies(info -> assertThat(info.eventsOffset()).isEqualTo(100));
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(1000))).isTrue();
    queued.removeFirst().run();
    assertThat(snapshots.list(SERVICE, 0)).extracting(SnapshotInfo::eventsOffset).containsExactly(1000L, 100L);
    assertThat(queued).isEmpty();
  }

  @Test
  void reportsAFailedBackgroundSaveOnTheNextCall() {
    List<Runnable> queued = new ArrayList<>();
    SnapshotStore unwritable = new DirectorySnapshotStore(temp.resolve("not-a-dir"), clock);
    Snapshotter snapshotter = new Snapshotter(SERVICE, unwritable, POLICY, workDir, registry, queued::add);
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();
    writeFile(temp.resolve("not-a-dir"));

    queued.removeFirst().run();

    assertThatThrownBy(() -> snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(200)))
        .isInstanceOf(SnapshotStoreException.class);
    assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(300))).as("tried again").isTrue();
  }

  @Test
  void snapshotNowWaitsForItsBackgroundSave() throws InterruptedException {
    ExecutorService saves = Executors.newSingleThreadExecutor();
    try {
      Snapshotter snapshotter = new Snapshotter(SERVICE, snapshots, POLICY, workDir, registry, saves);
      assertThat(snapshotter.maybeSnapshot(store, clock.instant(), applyUpTo(100))).isTrue();
      applyUpTo(150);

      snapshotter.snapshotNow(store, clock.instant());

      assertThat(snapshots.list(SERVICE, 0)).extracting(SnapshotInfo::eventsOffset).containsExactly(150L, 100L);
      assertThat(workDir).isEmptyDirectory();
    } finally {
      saves.shutdown();
      saves.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static void writeFile(Path path) {
    try {
      Files.writeString(path, "a file where a directory should be");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Snapshotter snapshotter(SnapshotPolicy policy) {
    return new Snapshotter(SERVICE, snapshots, policy, workDir, registry);
  }

  /** Applies a batch that moves the events offset to {@code offset}; returns it. */
  private long applyUpTo(long offset) {
    store.apply(new StoreBatch()
        .putAggregate("Post", "p-1", state(offset, "at " + offset))
        .eventsOffset(offset)
        .outcomesOffset(offset / 2));
    return offset;
  }
}
