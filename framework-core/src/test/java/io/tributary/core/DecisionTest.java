package io.tributary.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionTest {

  @Test
  void acceptKeepsEventsInOrderAndIsImmutable() {
    List<String> events = new ArrayList<>(List.of("a", "b"));
    Decision<String> decision = Decision.accept(events);
    events.add("c");

    assertThat(decision).isInstanceOfSatisfying(Decision.Accepted.class,
        accepted -> assertThat(accepted.events()).containsExactly("a", "b"));
  }

  @Test
  void rejectFormatsTheMessage() {
    Decision<String> decision = Decision.reject("POST_ARCHIVED", "Post %s is archived", "p-1");

    assertThat(decision).isEqualTo(new Decision.Rejected<>(new Rejection("POST_ARCHIVED", "Post p-1 is archived")));
  }

  @Test
  void rejectsACodeThatIsNotUpperSnakeCase() {
    assertThatThrownBy(() -> Rejection.of("post archived", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'post archived'")
        .hasMessageContaining("UPPER_SNAKE_CASE");
  }

  @Test
  void acceptsUpperSnakeCaseCodesOfAtMost64Characters() {
    assertThat(new Rejection("A", "m").code()).isEqualTo("A");
    assertThat(new Rejection("E_2_X", "m").code()).isEqualTo("E_2_X");
    assertThat(new Rejection("A" + "_".repeat(63), "m").code()).hasSize(64);
    for (String bad : new String[] {"", "_A", "2A", "aB", "A-B", "A B", "ÄB", "A" + "_".repeat(64)}) {
      assertThatThrownBy(() -> new Rejection(bad, "m")).as("code '%s'", bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UPPER_SNAKE_CASE");
    }
    assertThatThrownBy(() -> new Rejection(null, "m")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keepsPercentSignsOfAMessageWithoutArguments() {
    assertThat(Rejection.of("LIMIT_EXCEEDED", "over 100%").message()).isEqualTo("over 100%");
  }
}
