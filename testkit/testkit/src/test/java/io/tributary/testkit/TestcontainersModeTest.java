package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.tributary.devservices.KafkaEndpoint;
import io.tributary.testkit.internal.ContainerServers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.EventType;

class TestcontainersModeTest {

  @Test
  void skipsWithTheReasonWhenNoDockerEngineAnswers() {
    Assumptions.assumeFalse(ContainerServers.dockerAvailable(),
        "a Docker engine answers here, so the no-Docker path cannot be shown on this machine");

    var events = EngineTestKit.engine("junit-jupiter")
        .configurationParameter(DevServicesMode.PROPERTY, "testcontainers")
        .selectors(selectClass(NeedsKafka.class))
        .execute()
        .allEvents();

    assertThat(events.failed().count()).isZero();
    assertThat(events.aborted().count()).isEqualTo(1);
    Event aborted = events.aborted().list().getFirst();
    assertThat(aborted.getType()).isEqualTo(EventType.FINISHED);
    assertThat(aborted.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
        .getThrowable().orElseThrow().getMessage())
        .contains("no Docker engine answers")
        .contains("-Dtributary.dev-services=embedded");
    assertThat(NeedsKafka.ran).isFalse();
  }

  @Test
  void rejectsAnUnknownModeNamingTheAcceptedValues() {
    assertThatThrownBy(() -> DevServicesMode.parse("docker"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'docker'")
        .hasMessageContaining("[embedded, testcontainers, auto]");
    assertThat(DevServicesMode.parse(" Embedded ")).isEqualTo(DevServicesMode.EMBEDDED);
  }

  /** Run only through the engine kit above; surefire skips nested classes. */
  @WithDevServices
  static class NeedsKafka {
    static volatile boolean ran;

    @Test
    void usesKafka(KafkaEndpoint kafka) {
      ran = true;
      assertThat(kafka.bootstrapServers()).isNotBlank();
    }
  }
}
