package io.tributary.runtime.internal;

import io.tributary.core.error.PermanentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The stable id of an instance, kept in its state directory. It names the instance's transactional
 * id, so a restarted instance fences its own earlier run at once instead of waiting for that run's
 * transaction to time out.
 */
public final class InstanceId {
  private InstanceId() {}

  /** @return the id stored in {@code stateDir}, created on first use */
  public static String in(Path stateDir) {
    Path file = stateDir.resolve("instance-id");
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!id.isEmpty()) {
          return id;
        }
      }
      Files.createDirectories(stateDir);
      String id = UUID.randomUUID().toString();
      Path temp = Files.createTempFile(stateDir, "instance-id", ".tmp");
      Files.writeString(temp, id, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      return id;
    } catch (IOException e) {
      throw new PermanentException("Cannot read or write the instance id in " + file + ": " + e.getMessage()
          + ". Each instance needs its own writable state directory.", e);
    }
  }
}
