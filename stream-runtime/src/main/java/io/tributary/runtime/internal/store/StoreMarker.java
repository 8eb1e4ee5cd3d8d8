package io.tributary.runtime.internal.store;

import io.tributary.core.error.PermanentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The marker file of a partition store directory: its first line is the magic, then the format
 * version and the partition, one {@code key value} per line:
 *
 * <pre>
 * tributary-partition-store
 * format 1
 * partition 3
 * </pre>
 *
 * It is written before RocksDB creates its first file, so a non-empty directory without a marker is
 * never ours.
 */
final class StoreMarker {
  static final String FILE_NAME = "TRIBUTARY-STORE";
  static final String MAGIC = "tributary-partition-store";
  static final int FORMAT = 1;

  private StoreMarker() {}

  /** @return {@code true} if {@code dir} holds a marker file, whatever its content */
  static boolean existsIn(Path dir) {
    return Files.isRegularFile(dir.resolve(FILE_NAME));
  }

  /** Writes the marker of {@code partition} into the existing directory {@code dir}. */
  static void write(Path dir, int partition) throws IOException {
    StoreFiles.writeAtomically(dir.resolve(FILE_NAME),
        MAGIC + "\nformat " + FORMAT + "\npartition " + partition + "\n");
  }

  /**
   * Makes {@code dir} ready for RocksDB: creates it with a marker when it is missing or empty, or
   * checks the marker it holds.
   *
   * @throws PermanentException if the directory belongs to something else, to another partition,
   *     or to another format
   */
  static void prepare(Path dir, int partition) throws IOException {
    if (StoreFiles.isAbsentOrEmpty(dir)) {
      Files.createDirectories(dir);
      write(dir, partition);
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new PermanentException("Partition store path " + dir + " of partition " + partition
          + " is a file, not a directory. Move the file away or configure another state directory.");
    }
    if (!existsIn(dir)) {
      throw new PermanentException("Directory " + dir + " holds files but no " + FILE_NAME
          + " marker, so it is not a Tributary partition store (or it was written by another tool)."
          + " Point partition " + partition + " at its own directory, or delete " + dir
          + " to rebuild the partition from its snapshots and events topic.");
    }
    verify(dir, partition);
  }

  private static void verify(Path dir, int partition) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String deleteHint = " Delete " + dir + " to rebuild partition " + partition
        + " from its snapshots and events topic.";
    if (lines.isEmpty() || !lines.get(0).equals(MAGIC)) {
      throw new PermanentException("Marker " + file + " does not start with '" + MAGIC
          + "': not a Tributary partition store, or the marker is corrupt." + deleteHint);
    }
    int format = intField(lines, "format", file, deleteHint);
    if (format > FORMAT) {
      throw new PermanentException("Partition store " + dir + " has format " + format
          + ", which is newer than this build (reads " + FORMAT + "). Run a build that reads format "
          + format + ", or" + deleteHint.replace(" Delete", " delete"));
    }
    if (format != FORMAT) {
      throw new PermanentException("Partition store " + dir + " has format " + format
          + ", which this build does not read (reads " + FORMAT + ")." + deleteHint);
    }
    int stored = intField(lines, "partition", file, deleteHint);
    if (stored != partition) {
      throw new PermanentException("Partition store " + dir + " holds partition " + stored
          + ", not partition " + partition + ". Each partition needs its own directory; check the"
          + " state directory configuration.");
    }
  }

  private static int intField(List<String> lines, String key, Path file, String hint) {
    for (String line : lines) {
      if (line.startsWith(key + " ")) {
        try {
          return Integer.parseInt(line.substring(key.length() + 1).trim());
        } catch (NumberFormatException e) {
          throw new PermanentException("Marker " + file + " has an invalid '" + key + "' line: '"
              + line + "'." + hint, e);
        }
      }
    }
    throw new PermanentException("Marker " + file + " has no '" + key + "' line." + hint);
  }
}
