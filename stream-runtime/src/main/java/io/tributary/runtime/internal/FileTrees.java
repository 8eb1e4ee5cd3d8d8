package io.tributary.runtime.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File-tree helpers shared by the partition store and the snapshot store. */
public final class FileTrees {
  private FileTrees() {}

  /** Deletes {@code path} and everything under it; a missing path is fine. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> all;
    try (Stream<Path> walk = Files.walk(path)) {
      all = walk.sorted(Comparator.reverseOrder()).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (Path each : all) {
      try {
        Files.delete(each);
      } catch (NoSuchFileException alreadyGone) {
        // removed in between (by RocksDB or a concurrent cleanup): the goal is reached
      }
    }
  }
}
