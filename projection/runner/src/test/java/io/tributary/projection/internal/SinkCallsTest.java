package io.tributary.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.ProjectionSettings;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SinkCallsTest {
  private final ProjectionSettings settings = ProjectionSettings.defaults("unused:9092")
      .withBackoff(Duration.ofMillis(1), Duration.ofMillis(4)).withMaxAttempts(3);

  @Test
  void retriesATransientFailureUntilTheCallSucceeds() {
    AtomicInteger calls = new AtomicInteger();
    String result = new SinkCalls(settings, new CountDownLatch(1)).call("a batch", () -> {
      if (calls.incrementAndGet() < 3) {
        throw new TransientException("store unavailable");
      }
      return "applied";
    });

    assertThat(result).isEqualTo("applied");
    assertThat(calls).hasValue(3);
  }

  @Test
  void givesUpAfterTheLastAttemptNamingTheCallAndTheLastFailure() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> new SinkCalls(settings, new CountDownLatch(1)).call("offsets 3..9", () -> {
      calls.incrementAndGet();
      throw new TransientException("timed out");
    })).isInstanceOf(SinkCalls.GaveUp.class)
        .hasMessageContaining("failed 3 times on offsets 3..9")
        .hasMessageContaining("timed out")
        .hasCauseInstanceOf(TransientException.class);
    assertThat(calls).hasValue(3);
  }

  @Test
  void doesNotRetryAPermanentFailure() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> new SinkCalls(settings, new CountDownLatch(1)).call("a batch", () -> {
      calls.incrementAndGet();
      throw new PermanentException("wrong key type");
    })).isInstanceOf(PermanentException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void abandonsTheWaitWhenTheRunnerCloses() {
    CountDownLatch closing = new CountDownLatch(1);
    closing.countDown();
    assertThatThrownBy(() -> new SinkCalls(settings, closing).call("a batch", () -> {
      throw new TransientException("store unavailable");
    })).isInstanceOf(SinkCalls.Closing.class);
  }
}
