package io.tributary.runtime.snapshot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hard links of RocksDB's immutable files for one {@link DirectorySnapshotStore}, with the CRC-32C
 * of each file it read, by inode, size and modification time. A table file stays in the store, and
 * so in every snapshot, until a compaction removes it: successive snapshots of a partition, and the
 * snapshot an owner takes of a partition it restored, share most files, and each is read once. A
 * save uses a known checksum; a restore always reads the file to verify it, then remembers it.
 *
 * <p>Bounded: at {@value #MAX_ENTRIES} entries the memory is cleared. Thread-safe.
 */
final class LinkedFiles {
  static final int MAX_ENTRIES = 100_000;

  private record Identity(Object fileKey, long size, FileTime modified) {}

  private final Map<Identity, SnapshotFiles.Copied> checksums = new ConcurrentHashMap<>();

  /**
   * Makes {@code target} a hard link to {@code source}, or a copy where the file system refuses the
   * link, and returns the size and CRC-32C of its bytes.
   *
   * @param useKnown whether a checksum read earlier from the same file may be used (a save); {@code
   *     false} reads the file whatever is known (a restore, which verifies)
   */
  SnapshotFiles.Copied linkOrCopy(Path source, Path target, boolean useKnown) throws IOException {
    try {
      Files.createLink(target, source);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (UnsupportedOperationException | FileSystemException notLinkable) {
      // EXDEV across file systems, EPERM where links are not allowed: copy instead
      return SnapshotFiles.copy(source, target);
    }
    BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class);
    if (attributes.fileKey() == null) {
      return SnapshotFiles.checksum(target); // no inode to know the file by
    }
    Identity identity = new Identity(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime());
    SnapshotFiles.Copied known = useKnown ? checksums.get(identity) : null;
    if (known != null) {
      return known;
    }
    SnapshotFiles.Copied read = SnapshotFiles.checksum(target);
    if (checksums.size() >= MAX_ENTRIES) {
      checksums.clear();
    }
    checksums.put(identity, read);
    return read;
  }
}
