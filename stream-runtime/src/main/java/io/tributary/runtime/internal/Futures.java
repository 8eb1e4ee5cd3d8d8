package io.tributary.runtime.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work done on another thread, with its failure thrown as that thread threw it. */
public final class Futures {
  private Futures() {}

  /**
   * @return the result of {@code future}, once it is done
   * @throws RuntimeException or {@link Error}: the one the work threw, not wrapped in a {@link
   *     CompletionException}, so callers catch and report it as if they had done the work themselves
   */
  public static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }
}
