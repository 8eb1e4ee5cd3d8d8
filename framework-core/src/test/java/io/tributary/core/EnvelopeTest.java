package io.tributary.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneOffset.UTC);

  @Test
  void aNewCommandStartsItsOwnCorrelation() {
    CommandEnvelope<String> command = CommandEnvelope.create("cmd-1", "Post", "post-9", "publish", clock);

    assertThat(command.correlationId()).isEqualTo("cmd-1");
    assertThat(command.causationId()).isEqualTo("cmd-1");
    assertThat(command.timestamp()).isEqualTo(clock.instant());
  }

  @Test
  void eventsCarryTheirCommandAndConsecutiveSequences() {
    CommandEnvelope<String> command = CommandEnvelope.create("cmd-2", "Post", "post-9", "bump", clock)
        .withCorrelationId("session-7");

    List<EventEnvelope<String>> events = EventEnvelope.causedBy(command, 4, List.of("bumped", "counted"), clock);

    assertThat(events).extracting(EventEnvelope::sequence).containsExactly(5L, 6L);
    assertThat(events).allSatisfy(event -> {
      assertThat(event.commandId()).isEqualTo("cmd-2");
      assertThat(event.causationId()).isEqualTo("cmd-2");
      assertThat(event.correlationId()).isEqualTo("session-7");
      assertThat(event.aggregateId()).isEqualTo("post-9");
    });
    assertThat(events.getFirst().eventId()).isEqualTo("Post/post-9/5");
  }

  @Test
  void rejectsACommandWithoutAnId() {
    assertThatThrownBy(() -> CommandEnvelope.create(" ", "Post", "post-9", "publish", clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("command id is missing");
  }

  @Test
  void rejectsAnOversizedId() {
    String id = "x".repeat(257);
    assertThatThrownBy(() -> CommandEnvelope.create("cmd", "Post", id, "publish", clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aggregate id has 257 characters; the limit is 256");
  }
}
