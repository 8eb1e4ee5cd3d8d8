package io.tributary.runtime.snapshot;

import io.tributary.core.annotation.Evolving;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SnapshotStore} in a local or mounted directory:
 *
 * <pre>
 * root/&lt;service&gt;/p-&lt;partition&gt;/&lt;id&gt;/    the checkpoint's files, with their relative names
 * root/&lt;service&gt;/p-&lt;partition&gt;/&lt;id&gt;/MANIFEST
 * </pre>
 *
 * An id is the zero-padded events offset, '-', and the zero-padded creation time in epoch millis
 * ({@code 00000000000000001200-1763806530123}), so ids sort by events offset, then time; a second
 * save with the same offset in the same millisecond gets a {@code -1}, {@code -2}... suffix. The
 * manifest format is described in {@code SnapshotManifest}: a magic line, the format version, the
 * offsets and creation time, one line per file with size and CRC-32C, and a checksum of itself.
 *
 * <p>RocksDB's table and blob files ({@code .sst}, {@code .blob}) never change once written, so
 * where the snapshot root is on the same file system as the checkpoint, a save hard-links them
 * instead of copying, and a restore hard-links them back into the target: moving a partition then
 * costs reading its files once for their checksums, not writing them again. Where the file system
 * refuses a link (another file system, no hard links), the file is copied. Every other file
 * (RocksDB's manifest, options, write-ahead log, the store marker) is always copied. A linked file
 * is checked against its manifest entry on restore like a copied one. The store remembers the
 * checksum of each linked file it read (by inode, size and modification time), so a save reads only
 * the table files that are new since the last save or restore through this instance; a restore
 * always reads every file.
 *
 * <p>A save writes and forces every data file, then writes the manifest under a temporary name,
 * forces it, and renames it to {@code MANIFEST}: a directory without {@code MANIFEST} is a save that
 * did not finish, is never listed, and is removed by a later save of the same id or by {@link
 * #retain}. Deleting a snapshot removes its manifest first for the same reason.
 *
 * <p>Thread-safe for different partitions; one writer per partition at a time.
 */
@Evolving
public final class DirectorySnapshotStore implements SnapshotStore {
  private static final Logger log = LoggerFactory.getLogger(DirectorySnapshotStore.class);
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Comparator<SnapshotInfo> NEWEST_FIRST =
      Comparator.comparingLong(SnapshotInfo::eventsOffset)
          .thenComparing(SnapshotInfo::createdAt)
          .thenComparing(SnapshotInfo::id)
          .reversed();

  private final Path root;
  private final Clock clock;
  private final LinkedFiles linked = new LinkedFiles();

  /**
   * @param root the directory holding every service's snapshots; created on the first save
   * @param clock stamps each snapshot's creation time (and so its id)
   */
  public DirectorySnapshotStore(Path root, Clock clock) {
    this.root = Objects.requireNonNull(root, "root");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public SnapshotInfo save(String service, int partition, Path checkpointDir, long eventsOffset,
      long outcomesOffset) {
    Path partitionDir = partitionDir(service, partition);
    if (eventsOffset < 0 || outcomesOffset < 0) {
      throw new IllegalArgumentException("Offsets of a snapshot of " + service + " partition "
          + partition + " must be >= 0; got events " + eventsOffset + ", outcomes "
          + outcomesOffset + ".");
    }
    if (!Files.isDirectory(checkpointDir)) {
      throw new IllegalArgumentException("Checkpoint " + checkpointDir + " of " + service
          + " partition " + partition + " is not a directory; pass the directory that"
          + " PartitionStore.checkpoint wrote.");
    }
    Instant createdAt = clock.instant();
    List<String> names;
    try {
      names = SnapshotFiles.regularFiles(checkpointDir);
    } catch (IOException e) {
      throw new SnapshotStoreException("Cannot list checkpoint " + checkpointDir + " of " + service
          + " partition " + partition + ": " + e + ". No snapshot was saved.", e);
    }
    for (String name : names) {
      String problem = SnapshotManifest.nameProblem(name);
      if (problem != null) {
        throw new IllegalArgumentException("Checkpoint " + checkpointDir + " holds the file '"
            + name + "', which " + problem + "; it cannot be part of a snapshot.");
      }
    }
    Path dir = partitionDir;
    try {
      Files.createDirectories(partitionDir);
      String id = freeId(partitionDir, eventsOffset, createdAt);
      dir = partitionDir.resolve(id);
      Files.createDirectories(dir);
      List<SnapshotManifest.FileEntry> files = new ArrayList<>();
      for (String name : names) {
        Path target = SnapshotFiles.resolve(dir, name);
        Files.createDirectories(target.getParent());
        Path source = SnapshotFiles.resolve(checkpointDir, name);
        SnapshotFiles.Copied copied = SnapshotFiles.immutable(name)
            ? linked.linkOrCopy(source, target, true)
            : SnapshotFiles.copy(source, target);
        files.add(new SnapshotManifest.FileEntry(name, copied.size(), copied.crc32c()));
      }
      SnapshotManifest manifest = new SnapshotManifest(
          service, partition, eventsOffset, outcomesOffset, createdAt, files);
      // data first, manifest last and atomically: a crash before the rename leaves no MANIFEST,
      // so the half-written snapshot is never listed
      SnapshotFiles.syncDirectory(dir);
      Path temp = dir.resolve(SnapshotManifest.TEMP_NAME);
      SnapshotFiles.writeDurably(temp, manifest.encode());
      Files.move(temp, dir.resolve(SnapshotManifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE);
      SnapshotFiles.syncDirectory(dir);
      SnapshotInfo info = info(service, partition, id, manifest);
      log.debug("Saved {} ({} files, {} bytes)", info, files.size(), info.totalBytes());
      return info;
    } catch (IOException e) {
      SnapshotStoreException failure = new SnapshotStoreException("Cannot save a snapshot of "
          + service + " partition " + partition + " to " + dir + ": " + e + ". No snapshot was"
          + " saved; check the free space and permissions of " + root + ".", e);
      if (!dir.equals(partitionDir)) {
        deleteQuietlyInto(dir, failure);
      }
      throw failure;
    }
  }

  @Override
  public List<SnapshotInfo> list(String service, int partition) {
    Path partitionDir = partitionDir(service, partition);
    if (!Files.isDirectory(partitionDir)) {
      return List.of();
    }
    List<SnapshotInfo> snapshots = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(partitionDir)) {
      for (Path dir : entries) {
        String id = dir.getFileName().toString();
        Path manifestFile = dir.resolve(SnapshotManifest.FILE_NAME);
        if (!Files.isDirectory(dir) || !SAFE_NAME.matcher(id).matches()) {
          continue;
        }
        if (!Files.isRegularFile(manifestFile)) {
          log.debug("Not listing {} of {} partition {}: it has no MANIFEST (its save did not"
              + " finish)", dir, service, partition);
          continue;
        }
        String where = describe(id, service, partition, dir);
        try {
          SnapshotManifest manifest = SnapshotManifest.decode(Files.readAllBytes(manifestFile), where);
          if (!manifest.service().equals(service) || manifest.partition() != partition) {
            log.warn("Skipping {}: its manifest names {} partition {}; it was copied to the wrong"
                + " place. Move or delete it.", where, manifest.service(), manifest.partition());
            continue;
          }
          snapshots.add(info(service, partition, id, manifest));
        } catch (CorruptSnapshotException | SnapshotFormatException e) {
          log.warn("Skipping a snapshot that cannot be read: {}", e.getMessage());
        } catch (NoSuchFileException deletedMeanwhile) {
          log.debug("Not listing {}: deleted while listing", where);
        }
      }
    } catch (IOException e) {
      throw new SnapshotStoreException("Cannot list the snapshots of " + service + " partition "
          + partition + " in " + partitionDir + ": " + e + ". Check that " + root
          + " is mounted and readable.", e);
    }
    snapshots.sort(NEWEST_FIRST);
    return List.copyOf(snapshots);
  }

  @Override
  public void restore(SnapshotInfo snapshot, Path target) {
    Path dir = partitionDir(snapshot.service(), snapshot.partition()).resolve(checkId(snapshot));
    String where = describe(snapshot.id(), snapshot.service(), snapshot.partition(), dir);
    if (Files.exists(target)) {
      throw new IllegalArgumentException("Cannot restore " + where + " into " + target
          + ": it exists already. Restore into a path that does not exist yet.");
    }
    SnapshotManifest manifest = readManifest(dir, where);
    if (manifest.eventsOffset() != snapshot.eventsOffset()
        || manifest.outcomesOffset() != snapshot.outcomesOffset()
        || !manifest.service().equals(snapshot.service())
        || manifest.partition() != snapshot.partition()) {
      throw new CorruptSnapshotException("Cannot restore " + where + ": its manifest says "
          + manifest.service() + " partition " + manifest.partition() + " at events offset "
          + manifest.eventsOffset() + ", outcomes offset " + manifest.outcomesOffset()
          + ", not what was listed. List the snapshots again and restore one of those.");
    }
    try {
      Files.createDirectories(target);
      for (SnapshotManifest.FileEntry file : manifest.files()) {
        restoreFile(dir, where, file, target);
      }
      SnapshotFiles.syncDirectory(target);
    } catch (IOException e) {
      SnapshotStoreException failure = new SnapshotStoreException("Cannot restore " + where
          + " into " + target + ": " + e + ". Check the free space and permissions of " + target
          + ", then retry.", e);
      deleteQuietlyInto(target, failure);
      throw failure;
    } catch (RuntimeException | Error e) {
      deleteQuietlyInto(target, e);
      throw e;
    }
  }

  @Override
  public void retain(String service, int partition, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("Keeping " + keep + " snapshots of " + service
          + " partition " + partition + " would delete the one a restore needs; keep at least 1.");
    }
    List<SnapshotInfo> snapshots = list(service, partition);
    if (snapshots.isEmpty()) {
      return;
    }
    Path partitionDir = partitionDir(service, partition);
    try {
      for (SnapshotInfo old : snapshots.subList(Math.min(keep, snapshots.size()), snapshots.size())) {
        Path dir = partitionDir.resolve(old.id());
        // manifest first: a crash midway leaves an unlisted leftover, never a listed partial one
        Files.deleteIfExists(dir.resolve(SnapshotManifest.FILE_NAME));
        SnapshotFiles.deleteRecursively(dir);
        log.debug("Deleted {}", old);
      }
      String newest = snapshots.get(0).id();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(partitionDir)) {
        for (Path dir : entries) {
          String id = dir.getFileName().toString();
          if (Files.isDirectory(dir) && SAFE_NAME.matcher(id).matches() && id.compareTo(newest) < 0
              && !Files.exists(dir.resolve(SnapshotManifest.FILE_NAME))) {
            log.info("Deleting {} of {} partition {}: a save that did not finish", dir, service,
                partition);
            SnapshotFiles.deleteRecursively(dir);
          }
        }
      }
    } catch (IOException e) {
      throw new SnapshotStoreException("Cannot delete old snapshots of " + service + " partition "
          + partition + " in " + partitionDir + ": " + e + ". The newest " + keep
          + " are intact; retrying is safe.", e);
    }
  }

  @Override
  public String toString() {
    return "DirectorySnapshotStore[" + root + "]";
  }

  private void restoreFile(Path dir, String where, SnapshotManifest.FileEntry file, Path target)
      throws IOException {
    Path source = SnapshotFiles.resolve(dir, file.name());
    if (!Files.isRegularFile(source)) {
      throw new CorruptSnapshotException("Cannot restore " + where + ": file " + file.name()
          + " is missing (the manifest lists " + file.size() + " bytes with CRC-32C "
          + SnapshotManifest.hex(file.crc32c()) + "). Restore an older snapshot, or replay the"
          + " partition from its events topic.");
    }
    Path copy = SnapshotFiles.resolve(target, file.name());
    Files.createDirectories(copy.getParent());
    SnapshotFiles.Copied copied = SnapshotFiles.immutable(file.name())
        ? linked.linkOrCopy(source, copy, false)
        : SnapshotFiles.copy(source, copy);
    if (copied.size() != file.size() || copied.crc32c() != file.crc32c()) {
      throw new CorruptSnapshotException("Cannot restore " + where + ": file " + file.name()
          + " is corrupt: expected " + file.size() + " bytes with CRC-32C "
          + SnapshotManifest.hex(file.crc32c()) + ", found " + copied.size()
          + " bytes with CRC-32C " + SnapshotManifest.hex(copied.crc32c()) + ". Restore an older"
          + " snapshot, or replay the partition from its events topic.");
    }
  }

  private SnapshotManifest readManifest(Path dir, String where) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve(SnapshotManifest.FILE_NAME));
    } catch (NoSuchFileException e) {
      throw new CorruptSnapshotException("Cannot restore " + where + ": it has no MANIFEST; it was"
          + " deleted or its save did not finish. Restore another snapshot.", e);
    } catch (IOException e) {
      throw new SnapshotStoreException("Cannot read the manifest of " + where + ": " + e
          + ". Check that " + root + " is mounted and readable.", e);
    }
    return SnapshotManifest.decode(bytes, where);
  }

  private String freeId(Path partitionDir, long eventsOffset, Instant createdAt) throws IOException {
    String base = String.format(Locale.ROOT, "%020d-%013d", eventsOffset,
        Math.max(0L, createdAt.toEpochMilli()));
    for (int suffix = 0; ; suffix++) {
      String id = suffix == 0 ? base : base + "-" + suffix;
      Path dir = partitionDir.resolve(id);
      if (!Files.exists(dir)) {
        return id;
      }
      if (!Files.exists(dir.resolve(SnapshotManifest.FILE_NAME))) {
        // a save of this id that did not finish: nobody lists it, so it is ours to replace
        SnapshotFiles.deleteRecursively(dir);
        return id;
      }
    }
  }

  private Path partitionDir(String service, int partition) {
    if (!SAFE_NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("Service name '" + service + "' cannot name a snapshot"
          + " directory; use letters, digits, '.', '_' and '-', starting with a letter or digit.");
    }
    if (partition < 0) {
      throw new IllegalArgumentException("Partition " + partition + " of " + service
          + " is invalid; partitions are >= 0.");
    }
    return root.resolve(service).resolve("p-" + partition);
  }

  private static String checkId(SnapshotInfo snapshot) {
    if (!SAFE_NAME.matcher(snapshot.id()).matches()) {
      throw new IllegalArgumentException("Snapshot id '" + snapshot.id() + "' of "
          + snapshot.service() + " partition " + snapshot.partition() + " is not an id this store"
          + " made; pass a SnapshotInfo from list or save.");
    }
    return snapshot.id();
  }

  private static SnapshotInfo info(String service, int partition, String id,
      SnapshotManifest manifest) {
    return new SnapshotInfo(service, partition, id, manifest.eventsOffset(),
        manifest.outcomesOffset(), manifest.createdAt(), manifest.totalBytes());
  }

  private static String describe(String id, String service, int partition, Path dir) {
    return "snapshot " + id + " of " + service + " partition " + partition + " in " + dir;
  }

  private static void deleteQuietlyInto(Path dir, Throwable failure) {
    try {
      SnapshotFiles.deleteRecursively(dir);
    } catch (IOException | RuntimeException cleanup) {
      failure.addSuppressed(cleanup);
    }
  }
}
