package io.tributary.runtime.internal.store;

import static io.tributary.runtime.internal.store.StoreRecords.accepted;
import static io.tributary.runtime.internal.store.StoreRecords.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import io.tributary.runtime.snapshot.ForwardingSnapshotStore;
import io.tributary.runtime.snapshot.MutableClock;
import io.tributary.runtime.snapshot.SnapshotInfo;
import io.tributary.runtime.snapshot.SnapshotStore;
import io.tributary.runtime.snapshot.SnapshotStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionStateLoaderTest {
  private static final String SERVICE = "posts";
  private static final int PARTITION = 2;

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private DirectorySnapshotStore snapshots;
  private PartitionStateLoader loader;
  private Path localDir;

  @BeforeEach
  void setUp() {
    snapshots = new DirectorySnapshotStore(temp.resolve("snapshots"), clock);
    loader = new PartitionStateLoader(snapshots, registry);
    localDir = temp.resolve("state").resolve("p-" + PARTITION);
  }

  @Test
  void opensTheLocalStoreEvenWhenSnapshotsExist() {
    snapshotAt(5, "from-snapshot");
    localStateAt(7, "local");

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(7);
      assertThat(store.aggregate("Post", "p-1")).contains(state(7, "local"));
    }
    assertThat(fallbacks()).isZero();
  }

  @Test
  void replacesLocalStateBehindANewerSnapshot() {
    localStateAt(3, "owned-here-before");
    snapshotAt(5, "older");
    snapshotAt(9, "taken-by-the-last-owner");

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(9);
      assertThat(store.outcomesOffset()).isEqualTo(90);
      assertThat(store.aggregate("Post", "p-1")).contains(state(9, "taken-by-the-last-owner"));
      // the local state's own entries are gone with it
      assertThat(store.outcome("c-3")).isEmpty();
    }
    assertThat(stagingDir()).doesNotExist();
    assertThat(replacedDir()).doesNotExist();
    assertThat(fallbacks()).isZero();
  }

  @Test
  void replacesLocalStateOpenedAheadBehindANewerSnapshot() {
    localStateAt(3, "owned-here-before");
    snapshotAt(9, "taken-by-the-last-owner");
    loader.openAhead(Map.of(PARTITION, localDir), Runnable::run);

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.aggregate("Post", "p-1")).contains(state(9, "taken-by-the-last-owner"));
    }
    loader.closeUnclaimed();
    // the store opened ahead was closed by the load: its directory opens again
    try (RocksPartitionStore reopened = RocksPartitionStore.open(localDir, PARTITION)) {
      assertThat(reopened.eventsOffset()).isEqualTo(9);
    }
  }

  @Test
  void keepsLocalStateWhenNoNewerSnapshotRestores() throws IOException {
    localStateAt(6, "local");
    snapshotAt(5, "older-than-local");
    truncateLargestFile(snapshotAt(9, "newer-but-corrupt"));

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(6);
      assertThat(store.aggregate("Post", "p-1")).contains(state(6, "local"));
    }
    // the snapshot behind the local state was not tried
    assertThat(fallbacks()).isEqualTo(1);
    assertThat(stagingDir()).doesNotExist();
  }

  @Test
  void keepsLocalStateWhenTheSnapshotStoreCannotBeRead() {
    localStateAt(3, "local");
    snapshotAt(9, "unreachable");
    PartitionStateLoader unreachable = new PartitionStateLoader(new ListFails(snapshots), registry);

    try (PartitionStore store = unreachable.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(3);
      assertThat(store.aggregate("Post", "p-1")).contains(state(3, "local"));
    }
    // without local state there is nothing to fall back on: the assignment is retried
    assertThatThrownBy(() -> unreachable.load(SERVICE, PARTITION, temp.resolve("state").resolve("p-other")))
        .isInstanceOf(SnapshotStoreException.class)
        .hasMessageContaining("unreachable in this test");
  }

  @Test
  void closesTheLocalStoreWhenReplacingItFails() {
    localStateAt(3, "local");
    snapshotAt(9, "newer");
    PartitionStateLoader failing = new PartitionStateLoader(new ForwardingSnapshotStore(snapshots) {
      @Override
      public void restore(SnapshotInfo snapshot, Path target) {
        throw new IllegalStateException("restore fails in this test");
      }
    }, registry);

    assertThatThrownBy(() -> failing.load(SERVICE, PARTITION, localDir))
        .isInstanceOf(IllegalStateException.class).hasMessage("restore fails in this test");
    // not left open and locked: it opens again, as it was
    try (RocksPartitionStore reopened = RocksPartitionStore.open(localDir, PARTITION)) {
      assertThat(reopened.eventsOffset()).isEqualTo(3);
    }
  }

  @Test
  void removesLocalStateLeftAsideByACrash() throws IOException {
    snapshotAt(5, "snap");
    Files.createDirectories(replacedDir().resolve("junk"));

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(5);
    }
    assertThat(replacedDir()).doesNotExist();
  }

  @Test
  void restoresTheNewestSnapshotWithoutLocalState() {
    snapshotAt(5, "older");
    snapshotAt(9, "newest");

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(9);
      assertThat(store.outcomesOffset()).isEqualTo(90);
      assertThat(store.aggregate("Post", "p-1")).contains(state(9, "newest"));
      assertThat(store.outcome("c-9")).contains(accepted("c-9", 9));
    }
    assertThat(localDir).isDirectory();
    assertThat(stagingDir()).doesNotExist();
    assertThat(fallbacks()).isZero();
    assertThat(registry.get(PartitionStateLoader.RESTORE_TIME).timer().count()).isEqualTo(1);
  }

  @Test
  void restoresIntoAnEmptyLocalDirectory() throws IOException {
    snapshotAt(5, "snap");
    Files.createDirectories(localDir);

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(5);
    }
  }

  @Test
  void fallsBackToTheOlderSnapshotWhenTheNewestIsCorrupt() throws IOException {
    snapshotAt(5, "older");
    SnapshotInfo newest = snapshotAt(9, "newest");
    truncateLargestFile(newest);

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(5);
      assertThat(store.aggregate("Post", "p-1")).contains(state(5, "older"));
    }
    assertThat(fallbacks()).isEqualTo(1);
    assertThat(stagingDir()).doesNotExist();
  }

  @Test
  void startsEmptyWhenEverySnapshotIsCorrupt() throws IOException {
    truncateLargestFile(snapshotAt(5, "older"));
    truncateLargestFile(snapshotAt(9, "newest"));

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isZero();
      assertThat(store.outcomesOffset()).isZero();
      assertThat(store.aggregate("Post", "p-1")).isEmpty();
    }
    assertThat(fallbacks()).isEqualTo(2);
  }

  @Test
  void startsEmptyWithoutLocalStateOrSnapshots() {
    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isZero();
      assertThat(store.outcomesOffset()).isZero();
    }
    assertThat(fallbacks()).isZero();
  }

  @Test
  void replacesAStagingDirectoryLeftByACrash() throws IOException {
    snapshotAt(5, "snap");
    Files.createDirectories(stagingDir().resolve("junk"));

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(5);
    }
    assertThat(stagingDir()).doesNotExist();
  }

  @Test
  void takesTheLocalStoreOpenedAhead() {
    localStateAt(7, "local");
    Path otherDir = temp.resolve("state").resolve("p-3");
    try (RocksPartitionStore other = RocksPartitionStore.open(otherDir, 3)) {
      other.apply(batchAt(4, "other"));
    }
    loader.openAhead(Map.of(PARTITION, localDir, 3, otherDir, 4, temp.resolve("state").resolve("p-4")),
        Runnable::run);

    try (PartitionStore store = loader.load(SERVICE, PARTITION, localDir)) {
      assertThat(store.eventsOffset()).isEqualTo(7);
      assertThat(store.aggregate("Post", "p-1")).contains(state(7, "local"));
      // the other store is still held open ahead: RocksDB refuses a second open of it
      assertThatThrownBy(() -> RocksPartitionStore.open(otherDir, 3)).isInstanceOf(PermanentException.class);
      loader.closeUnclaimed();
      try (RocksPartitionStore reopened = RocksPartitionStore.open(otherDir, 3)) {
        assertThat(reopened.eventsOffset()).isEqualTo(4);
      }
    }
    // nothing was opened ahead for a directory without a store
    assertThat(temp.resolve("state").resolve("p-4")).doesNotExist();
  }

  @Test
  void failsTheLoadWhoseStoreDidNotOpenAhead() throws IOException {
    localStateAt(7, "local");
    // a store of another partition: open refuses it, ahead as on assignment
    loader.openAhead(Map.of(PARTITION + 1, localDir), Runnable::run);

    assertThatThrownBy(() -> loader.load(SERVICE, PARTITION + 1, localDir))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("holds partition " + PARTITION + ", not partition " + (PARTITION + 1));
    // taken by the load that failed: not opened again, not closed twice
    loader.closeUnclaimed();
  }

  /** Leaves a local store in {@code localDir} at {@code eventsOffset}, closed. */
  private void localStateAt(long eventsOffset, String state) {
    try (RocksPartitionStore local = RocksPartitionStore.open(localDir, PARTITION)) {
      local.apply(batchAt(eventsOffset, state));
    }
  }

  private SnapshotInfo snapshotAt(long eventsOffset, String state) {
    Path source = temp.resolve("source-" + eventsOffset);
    Path checkpoint = temp.resolve("checkpoint-" + eventsOffset);
    try (RocksPartitionStore store = RocksPartitionStore.open(source, PARTITION)) {
      store.apply(batchAt(eventsOffset, state));
      store.checkpoint(checkpoint);
    }
    clock.advance(Duration.ofMinutes(1));
    return snapshots.save(SERVICE, PARTITION, checkpoint, eventsOffset, eventsOffset * 10);
  }

  private static StoreBatch batchAt(long eventsOffset, String state) {
    String commandId = "c-" + eventsOffset;
    return new StoreBatch()
        .putAggregate("Post", "p-1", state(eventsOffset, state))
        .putOutcome(commandId, 1_700_000_000_000L, accepted(commandId, eventsOffset))
        .eventsOffset(eventsOffset)
        .outcomesOffset(eventsOffset * 10);
  }

  private void truncateLargestFile(SnapshotInfo snapshot) throws IOException {
    Path dir = temp.resolve("snapshots").resolve(SERVICE).resolve("p-" + PARTITION)
        .resolve(snapshot.id());
    Path largest;
    try (Stream<Path> files = Files.list(dir)) {
      largest = files.filter(file -> !file.getFileName().toString().equals("MANIFEST"))
          .max(Comparator.comparingLong(PartitionStateLoaderTest::size))
          .orElseThrow();
    }
    byte[] content = Files.readAllBytes(largest);
    Files.write(largest, Arrays.copyOf(content, content.length / 2));
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path replacedDir() {
    return localDir.resolveSibling(localDir.getFileName() + ".replaced");
  }

  /** A snapshot store that cannot be listed, as one out of reach is. */
  private static final class ListFails extends ForwardingSnapshotStore {
    ListFails(SnapshotStore store) {
      super(store);
    }

    @Override
    public List<SnapshotInfo> list(String service, int partition) {
      throw new SnapshotStoreException("The snapshot store is unreachable in this test", null);
    }
  }

  private Path stagingDir() {
    return localDir.resolveSibling(localDir.getFileName() + ".restoring");
  }

  private double fallbacks() {
    var counter = registry.find(PartitionStateLoader.FALLBACKS)
        .tag("service", SERVICE)
        .tag("partition", String.valueOf(PARTITION))
        .counter();
    return counter == null ? 0 : counter.count();
  }
}
