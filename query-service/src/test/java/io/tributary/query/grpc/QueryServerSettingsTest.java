package io.tributary.query.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryServerSettingsTest {

  @Test
  void defaultWaitMustBeWithinTheLimit() {
    assertThatThrownBy(() -> QueryServerSettings.defaults().withMaxWait(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultWait PT2S exceeds maxWait PT1S");
  }

  @Test
  void portOutOfRangeNamesTheSetting() {
    assertThatThrownBy(() -> QueryServerSettings.defaults().withPort(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("QueryServerSettings.port 70000 is out of range");
  }

  @Test
  void copiesChangeOneSetting() {
    QueryServerSettings settings = QueryServerSettings.defaults().withHost("127.0.0.1").withPort(0);

    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.port()).isZero();
    assertThat(settings.maxWait()).isEqualTo(QueryServerSettings.defaults().maxWait());
  }
}
