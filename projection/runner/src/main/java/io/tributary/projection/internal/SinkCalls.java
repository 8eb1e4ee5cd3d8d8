package io.tributary.projection.internal;

import io.tributary.core.error.TransientException;
import io.tributary.projection.ProjectionSettings;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a sink, retrying a {@link TransientException} with an exponential backoff bounded by the
 * settings. Any other exception passes through at once. A wait ends early when the runner closes.
 * Thread-safe: keeps no state of its own between calls.
 */
public final class SinkCalls {
  private static final Logger log = LoggerFactory.getLogger(SinkCalls.class);

  private final ProjectionSettings settings;
  private final CountDownLatch closing;

  /** @param closing counted down when the runner closes; a wait in progress then ends */
  public SinkCalls(ProjectionSettings settings, CountDownLatch closing) {
    this.settings = settings;
    this.closing = closing;
  }

  /**
   * @return what {@code call} returned
   * @throws GaveUp if every attempt failed transiently; its cause is the last failure
   * @throws Closing if the runner closed while waiting
   */
  public <T> T call(String what, Supplier<T> call) {
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (TransientException e) {
        if (attempt >= settings.maxAttempts()) {
          throw new GaveUp("The sink failed " + attempt + " times on " + what + ", the last time with: "
              + e.getMessage() + ". Check the store; restart the runner to resume from the sink's position.", e);
        }
        log.warn("Sink failed transiently on {} (attempt {} of {}), retrying in {}: {}", what, attempt,
            settings.maxAttempts(), backoff, e.getMessage());
        await(backoff);
        backoff = min(backoff.multipliedBy(2), settings.maxBackoff());
      }
    }
  }

  private void await(Duration backoff) {
    try {
      if (closing.await(backoff.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new Closing();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Closing();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Every attempt failed transiently. */
  public static final class GaveUp extends RuntimeException {
    GaveUp(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The runner is closing; the call was abandoned and nothing moved on. */
  public static final class Closing extends RuntimeException {
    Closing() {
      super("The projection runner is closing", null, false, false);
    }
  }
}
