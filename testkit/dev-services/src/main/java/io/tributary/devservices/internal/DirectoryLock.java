package io.tributary.devservices.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * An exclusive lock on a directory, through a lock file in it, held until closed: it keeps two
 * servers, in this JVM or in other processes, from sharing one data directory. The operating
 * system releases the lock when this JVM dies. Thread-safe.
 */
public final class DirectoryLock implements AutoCloseable {
  /*
   * File locks belong to the whole JVM, and on Linux closing any channel on the file drops them
   * all, so a second attempt from this JVM must not even open the file: this set answers it, as
   * in Lucene's NativeFSLockFactory.
   */
  private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path lockFile;
  private final FileChannel channel;
  private final AtomicBoolean released = new AtomicBoolean();

  private DirectoryLock(Path lockFile, FileChannel channel) {
    this.lockFile = lockFile;
    this.channel = channel;
  }

  /**
   * Creates {@code dir} if needed and takes the lock without waiting.
   *
   * @param lockFileName the lock file's name inside {@code dir}; the file stays after release
   * @return the lock, or empty if another holder, in this JVM or another process, has it
   * @throws IOException if the directory or the lock file cannot be created or locked
   */
  public static Optional<DirectoryLock> tryAcquire(Path dir, String lockFileName)
      throws IOException {
    Files.createDirectories(dir);
    Path lockFile = dir.toRealPath().resolve(lockFileName);
    if (!HELD_IN_THIS_JVM.add(lockFile)) {
      return Optional.empty();
    }
    @Nullable FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      @Nullable FileLock lock = channel.tryLock();
      if (lock != null) {
        return Optional.of(new DirectoryLock(lockFile, channel));
      }
      channel.close();
      HELD_IN_THIS_JVM.remove(lockFile);
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException closeFailure) {
          e.addSuppressed(closeFailure);
        }
      }
      HELD_IN_THIS_JVM.remove(lockFile);
      throw e;
    }
  }

  /** @return the lock file */
  public Path lockFile() {
    return lockFile;
  }

  /**
   * Releases the lock. Idempotent.
   *
   * @throws IOException if the lock file cannot be closed; the operating system still releases
   *     the lock when this JVM exits
   */
  @Override
  public void close() throws IOException {
    if (released.compareAndSet(false, true)) {
      try {
        channel.close();
      } finally {
        HELD_IN_THIS_JVM.remove(lockFile);
      }
    }
  }
}
