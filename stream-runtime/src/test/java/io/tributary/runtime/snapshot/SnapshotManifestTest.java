package io.tributary.runtime.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SnapshotManifestTest {
  private static final String WHERE = "snapshot s-1 of posts partition 0 in /snapshots";

  @Property
  void readsBackWhatItWrites(
      @ForAll @IntRange(min = 0, max = 10_000) int partition,
      @ForAll @LongRange(min = 0) long eventsOffset,
      @ForAll @LongRange(min = 0) long outcomesOffset,
      @ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long epochMillis,
      @ForAll("files") List<SnapshotManifest.FileEntry> files) {
    SnapshotManifest manifest = new SnapshotManifest("posts", partition, eventsOffset,
        outcomesOffset, Instant.ofEpochMilli(epochMillis), files);

    assertThat(SnapshotManifest.decode(manifest.encode(), WHERE)).isEqualTo(manifest);
  }

  @Provide
  Arbitrary<List<SnapshotManifest.FileEntry>> files() {
    Arbitrary<String> segments = Arbitraries.strings().withCharRange('a', 'z').withChars(' ', '.', '-')
        .ofMinLength(1).ofMaxLength(10).filter(s -> !s.equals(".") && !s.equals(".."));
    Arbitrary<String> names = segments.list().ofMinSize(1).ofMaxSize(3).map(s -> String.join("/", s))
        .filter(name -> SnapshotManifest.nameProblem(name) == null);
    return Combinators.combine(names, Arbitraries.longs().greaterOrEqual(0), Arbitraries.integers())
        .as(SnapshotManifest.FileEntry::new)
        .list().ofMaxSize(8);
  }

  @Test
  void writesAReadableTextFormat() {
    SnapshotManifest manifest = new SnapshotManifest("posts", 3, 1200, 340,
        Instant.parse("2026-11-22T10:15:30.123Z"),
        List.of(new SnapshotManifest.FileEntry("000008.sst", 4096, 0x1a2b3c4d)));

    assertThat(new String(manifest.encode(), StandardCharsets.UTF_8)).startsWith("""
        tributary-snapshot
        format 1
        service posts
        partition 3
        events-offset 1200
        outcomes-offset 340
        created-at 2026-11-22T10:15:30.123Z
        files 1
        file 4096 1a2b3c4d 000008.sst
        crc32c\s""");
  }

  @Test
  void saysATruncatedManifestIsCorrupt() {
    byte[] whole = new SnapshotManifest("posts", 0, 1, 1, Instant.EPOCH, List.of()).encode();
    byte[] truncated = Arrays.copyOf(whole, whole.length - 12);

    assertThatThrownBy(() -> SnapshotManifest.decode(truncated, WHERE))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining(WHERE)
        .hasMessageContaining("no final crc32c line");
  }

  @Test
  void refusesFileNamesThatEscapeTheSnapshot() {
    assertThat(SnapshotManifest.nameProblem("../etc/passwd")).isNotNull();
    assertThat(SnapshotManifest.nameProblem("/abs")).isNotNull();
    assertThat(SnapshotManifest.nameProblem("MANIFEST")).contains("reserved");
    assertThat(SnapshotManifest.nameProblem("sub/MANIFEST")).isNull();
    assertThat(SnapshotManifest.nameProblem("000008.sst")).isNull();
  }
}
