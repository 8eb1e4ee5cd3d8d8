package io.tributary.runtime.snapshot;

import io.tributary.runtime.internal.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** File chores of {@link DirectorySnapshotStore}: checksummed durable copies, listings, deletes. */
final class SnapshotFiles {
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final int LINKED_BUFFER_BYTES = 1 << 20;

  /** The size and CRC-32C of the bytes a copy moved. */
  record Copied(long size, int crc32c) {}

  private SnapshotFiles() {}

  /**
   * Copies {@code source} to the new file {@code target}, computing size and CRC-32C of the bytes
   * read, and forces {@code target} to disk.
   */
  static Copied copy(Path source, Path target) throws IOException {
    CRC32C crc = new CRC32C();
    long size = 0;
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = Files.newInputStream(source);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
      int read;
      while ((read = in.read(buffer)) > 0) {
        crc.update(buffer, 0, read);
        size += read;
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
      out.force(true);
    }
    return new Copied(size, (int) crc.getValue());
  }

  /**
   * @return whether RocksDB never changes the file {@code name} once written (table and blob files),
   *     so a snapshot and a store may share it through a hard link
   */
  static boolean immutable(String name) {
    return name.endsWith(".sst") || name.endsWith(".blob");
  }

  /** @return the size and CRC-32C of {@code file}'s bytes */
  static Copied checksum(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    long size = 0;
    ByteBuffer buffer = ByteBuffer.allocateDirect(LINKED_BUFFER_BYTES);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      int read;
      while ((read = in.read(buffer.clear())) > 0) {
        crc.update(buffer.flip());
        size += read;
      }
    }
    return new Copied(size, (int) crc.getValue());
  }

  /** Writes {@code bytes} to {@code target} (replacing it) and forces it to disk. */
  static void writeDurably(Path target, byte[] bytes) throws IOException {
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer chunk = ByteBuffer.wrap(bytes);
      while (chunk.hasRemaining()) {
        out.write(chunk);
      }
      out.force(true);
    }
  }

  /** Forces a directory's entries (new names, renames) to disk where the platform allows it. */
  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException unsupported) {
      // some platforms (Windows) cannot open a directory; their file systems order the rename anyway
    }
  }

  /** @return the relative names (with '/') of every regular file under {@code dir}, sorted */
  static List<String> regularFiles(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
          .forEach(path -> names.add(relativeName(dir, path)));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    names.sort(Comparator.naturalOrder());
    return names;
  }

  /** Deletes {@code path} and everything under it; a missing path is fine. */
  static void deleteRecursively(Path path) throws IOException {
    FileTrees.deleteRecursively(path);
  }


  /** @return {@code name} (with '/') resolved under {@code dir} */
  static Path resolve(Path dir, String name) {
    Path path = dir;
    for (String segment : name.split("/", -1)) {
      path = path.resolve(segment);
    }
    return path;
  }

  private static String relativeName(Path dir, Path file) {
    StringBuilder name = new StringBuilder();
    for (Path segment : dir.relativize(file)) {
      if (!name.isEmpty()) {
        name.append('/');
      }
      name.append(segment);
    }
    return name.toString();
  }
}
