package io.tributary.runtime.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySnapshotStoreTest {
  private static final Instant START = Instant.parse("2026-11-22T10:15:30.123Z");

  @TempDir Path temp;
  private final MutableClock clock = new MutableClock(START);
  private DirectorySnapshotStore store;
  private Path checkpoint;

  @BeforeEach
  void setUp() throws IOException {
    store = new DirectorySnapshotStore(temp.resolve("snapshots"), clock);
    checkpoint = Files.createDirectories(temp.resolve("checkpoint"));
    Files.write(checkpoint.resolve("000008.sst"), bytes(10_000, 7));
    Files.writeString(checkpoint.resolve("CURRENT"), "MANIFEST-000005\n");
    Files.write(checkpoint.resolve("MANIFEST-000005"), bytes(300, 3));
    Files.writeString(checkpoint.resolve("TRIBUTARY-STORE"), "marker\n");
    Files.createDirectories(checkpoint.resolve("nested"));
    Files.writeString(checkpoint.resolve("nested/file with spaces.txt"), "nested");
  }

  @Test
  void restoresExactlyTheFilesItSaved() throws IOException {
    SnapshotInfo saved = store.save("posts", 3, checkpoint, 1200, 340);

    assertThat(store.list("posts", 3)).containsExactly(saved);
    assertThat(saved.id()).isEqualTo("00000000000000001200-" + START.toEpochMilli());
    assertThat(saved.createdAt()).isEqualTo(START);
    assertThat(saved.eventsOffset()).isEqualTo(1200);
    assertThat(saved.outcomesOffset()).isEqualTo(340);
    assertThat(saved.totalBytes()).isEqualTo(10_000 + 16 + 300 + 7 + 6);

    Path restored = temp.resolve("restored/p-3");
    store.restore(saved, restored);

    assertThat(contents(restored)).isEqualTo(contents(checkpoint));
  }

  @Test
  void sharesTableFilesByHardLinksAndCopiesTheOthers() throws IOException {
    SnapshotInfo saved = store.save("posts", 3, checkpoint, 1200, 340);
    Path snapshotDir = temp.resolve("snapshots/posts/p-3").resolve(saved.id());
    Path restored = temp.resolve("restored/p-3");
    store.restore(saved, restored);

    assertThat(fileKey(snapshotDir.resolve("000008.sst"))).isEqualTo(fileKey(checkpoint.resolve("000008.sst")));
    assertThat(fileKey(restored.resolve("000008.sst"))).isEqualTo(fileKey(checkpoint.resolve("000008.sst")));
    assertThat(fileKey(snapshotDir.resolve("MANIFEST-000005")))
        .isNotEqualTo(fileKey(checkpoint.resolve("MANIFEST-000005")));
    assertThat(fileKey(restored.resolve("MANIFEST-000005")))
        .isNotEqualTo(fileKey(snapshotDir.resolve("MANIFEST-000005")));
    assertThat(contents(restored)).isEqualTo(contents(checkpoint));
  }

  @Test
  void detectsACorruptLinkedTableFileOnRestore() throws IOException {
    SnapshotInfo saved = store.save("posts", 3, checkpoint, 1200, 340);
    // the link shares the inode: a byte changed in the checkpoint's table file changes the snapshot's
    try (FileChannel file = FileChannel.open(checkpoint.resolve("000008.sst"), StandardOpenOption.WRITE)) {
      file.write(ByteBuffer.wrap(new byte[] {42}), 5000);
    }

    assertThatThrownBy(() -> store.restore(saved, temp.resolve("restored/p-3")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("000008.sst");
    assertThat(temp.resolve("restored/p-3")).doesNotExist();
  }

  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  @Test
  void listsNewestFirstByEventsOffsetThenTime() {
    SnapshotInfo first = store.save("posts", 0, checkpoint, 100, 1);
    clock.advance(Duration.ofMinutes(1));
    SnapshotInfo third = store.save("posts", 0, checkpoint, 300, 1);
    clock.advance(Duration.ofMinutes(1));
    SnapshotInfo second = store.save("posts", 0, checkpoint, 200, 1);
    clock.advance(Duration.ofMinutes(1));
    SnapshotInfo laterSameOffset = store.save("posts", 0, checkpoint, 300, 2);

    assertThat(store.list("posts", 0)).containsExactly(laterSameOffset, third, second, first);
    assertThat(store.list("posts", 1)).isEmpty();
    assertThat(store.list("tribes", 0)).isEmpty();
  }

  @Test
  void givesTwoSavesInTheSameMillisecondDistinctIds() {
    SnapshotInfo one = store.save("posts", 0, checkpoint, 100, 1);
    SnapshotInfo two = store.save("posts", 0, checkpoint, 100, 1);

    assertThat(two.id()).isNotEqualTo(one.id()).startsWith(one.id());
    assertThat(store.list("posts", 0)).containsExactlyInAnyOrder(one, two);
  }

  @Test
  void retainsTheNewest() {
    for (long offset = 1; offset <= 5; offset++) {
      store.save("posts", 0, checkpoint, offset * 100, offset);
      clock.advance(Duration.ofSeconds(1));
    }

    store.retain("posts", 0, 2);

    assertThat(store.list("posts", 0)).extracting(SnapshotInfo::eventsOffset).containsExactly(500L, 400L);
    assertThat(partitionDir("posts", 0)).isDirectoryNotContaining(path ->
        path.getFileName().toString().startsWith("00000000000000000300"));
  }

  @Test
  void retentionRemovesUnfinishedSavesOlderThanTheNewest() throws IOException {
    SnapshotInfo older = store.save("posts", 0, checkpoint, 100, 1);
    clock.advance(Duration.ofSeconds(1));
    store.save("posts", 0, checkpoint, 200, 1);
    Files.delete(partitionDir("posts", 0).resolve(older.id()).resolve("MANIFEST"));

    store.retain("posts", 0, 5);

    assertThat(partitionDir("posts", 0).resolve(older.id())).doesNotExist();
  }

  @Test
  void doesNotListASaveThatDiedBeforeItsManifest() throws IOException {
    SnapshotInfo complete = store.save("posts", 0, checkpoint, 100, 1);
    clock.advance(Duration.ofSeconds(1));
    SnapshotInfo interrupted = store.save("posts", 0, checkpoint, 200, 1);
    Path dir = partitionDir("posts", 0).resolve(interrupted.id());
    // as a crash leaves it: data copied, manifest written under its temporary name only
    Files.move(dir.resolve("MANIFEST"), dir.resolve("MANIFEST.tmp"));

    assertThat(store.list("posts", 0)).containsExactly(complete);
  }

  @Test
  void namesTheTruncatedFileWithExpectedAndActualSize() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    Path sst = partitionDir("posts", 0).resolve(saved.id()).resolve("000008.sst");
    Files.write(sst, bytes(4096, 7));
    Path target = temp.resolve("restored");

    assertThatThrownBy(() -> store.restore(saved, target))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("snapshot " + saved.id() + " of posts partition 0")
        .hasMessageContaining("file 000008.sst is corrupt")
        .hasMessageContaining("expected 10000 bytes")
        .hasMessageContaining("found 4096 bytes");
    assertThat(target).doesNotExist();
  }

  @Test
  void detectsAChangedByteByItsChecksum() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    Path sst = partitionDir("posts", 0).resolve(saved.id()).resolve("000008.sst");
    byte[] content = Files.readAllBytes(sst);
    content[5000] ^= 1;
    Files.write(sst, content);

    assertThatThrownBy(() -> store.restore(saved, temp.resolve("restored")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("file 000008.sst is corrupt")
        .hasMessageContaining("expected 10000 bytes with CRC-32C")
        .hasMessageContaining("found 10000 bytes with CRC-32C");
  }

  @Test
  void namesAMissingFile() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    Files.delete(partitionDir("posts", 0).resolve(saved.id()).resolve("CURRENT"));

    assertThatThrownBy(() -> store.restore(saved, temp.resolve("restored")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("file CURRENT is missing");
  }

  @Test
  void refusesAManifestOfANewerFormatClearlyAndSkipsItInList() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    rewriteManifest(saved, text -> text.replace("\nformat 1\n", "\nformat 3\n"));

    assertThat(store.list("posts", 0)).isEmpty();
    assertThatThrownBy(() -> store.restore(saved, temp.resolve("restored")))
        .isInstanceOf(SnapshotFormatException.class)
        .hasMessageContaining("snapshot " + saved.id() + " of posts partition 0")
        .hasMessageContaining("format 3 is newer than this build (reads 1)");
  }

  @Test
  void refusesAManifestWithAnotherMagic() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    rewriteManifest(saved, text -> text.replace("tributary-snapshot\n", "something-else\n"));

    assertThat(store.list("posts", 0)).isEmpty();
    assertThatThrownBy(() -> store.restore(saved, temp.resolve("restored")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("not a Tributary snapshot manifest")
        .hasMessageContaining("something-else");
  }

  @Test
  void doesNotListAManifestEditedAfterItWasWritten() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    rewriteManifest(saved, text -> text.replace("events-offset 100\n", "events-offset 900\n"));

    assertThat(store.list("posts", 0)).isEmpty();
  }

  @Test
  void refusesToRestoreIntoAnExistingDirectory() throws IOException {
    SnapshotInfo saved = store.save("posts", 0, checkpoint, 100, 1);
    Path existing = Files.createDirectories(temp.resolve("existing"));

    assertThatThrownBy(() -> store.restore(saved, existing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exists already");
  }

  @Test
  void refusesAServiceNameThatIsNoDirectoryName() {
    assertThatThrownBy(() -> store.save("../posts", 0, checkpoint, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Service name '../posts'");
  }

  @Test
  void refusesToKeepNoSnapshot() {
    assertThatThrownBy(() -> store.retain("posts", 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keep at least 1");
  }

  private Path partitionDir(String service, int partition) {
    return temp.resolve("snapshots").resolve(service).resolve("p-" + partition);
  }

  private void rewriteManifest(SnapshotInfo snapshot, UnaryOperator<String> edit)
      throws IOException {
    Path manifest = partitionDir(snapshot.service(), snapshot.partition())
        .resolve(snapshot.id()).resolve("MANIFEST");
    Files.writeString(manifest, edit.apply(Files.readString(manifest, StandardCharsets.UTF_8)));
  }

  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(file).toString(),
            HexFormat.of().formatHex(Files.readAllBytes(file)));
      }
    }
    return files;
  }

  private static byte[] bytes(int size, int seed) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i * 31 + seed);
    }
    return bytes;
  }
}
