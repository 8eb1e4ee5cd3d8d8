package io.tributary.runtime.internal.store;

import io.tributary.runtime.internal.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** File chores of the partition store and its loader: durable small writes, tree deletes. */
final class StoreFiles {
  private StoreFiles() {}

  /** @return {@code true} if {@code dir} does not exist or is an empty directory */
  static boolean isAbsentOrEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  /** Writes {@code text} under a temporary name, forces it to disk, then renames it into place. */
  static void writeAtomically(Path target, String text) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Deletes {@code path} and everything under it; a missing path is fine. */
  static void deleteRecursively(Path path) throws IOException {
    FileTrees.deleteRecursively(path);
  }

}
