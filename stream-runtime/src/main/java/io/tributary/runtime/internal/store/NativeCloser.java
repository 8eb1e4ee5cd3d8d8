package io.tributary.runtime.internal.store;

import io.tributary.core.error.PermanentException;
import org.jspecify.annotations.Nullable;

/**
 * Runs close actions in order, each even when an earlier one failed, keeping the first failure and
 * adding the later ones to it as suppressed. Not thread-safe; one per close.
 */
final class NativeCloser {
  private @Nullable Throwable first;

  /** Starts with a failure already in hand (the one that made us close), so it stays first. */
  NativeCloser(@Nullable Throwable first) {
    this.first = first;
  }

  /** Closes {@code resource} (a native handle, or a lambda such as {@code db::closeE}); null is skipped. */
  NativeCloser run(@Nullable AutoCloseable resource) {
    if (resource == null) {
      return this;
    }
    try {
      resource.close();
    } catch (Exception | Error e) {
      if (first == null) {
        first = e;
      } else if (first != e) {
        first.addSuppressed(e);
      }
    }
    return this;
  }

  /**
   * Throws the first failure: unchecked ones as they are, checked ones wrapped with {@code message}.
   */
  void throwIfFailed(String message) {
    Throwable failure = first;
    if (failure == null) {
      return;
    }
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    throw new PermanentException(message + ": " + failure.getMessage(), failure);
  }
}
