package io.tributary.query.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.grpc.EndpointSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// host, port, shutdown grace and TLS are checked by EndpointSettingsTest in tributary-grpc-server
class QueryServerSettingsTest {

  @Test
  void defaultsListenOnEveryInterfaceOnPort50052() {
    assertThat(QueryServerSettings.defaults().endpoint()).isEqualTo(EndpointSettings.onPort(50052));
  }

  @Test
  void defaultWaitMustBeWithinTheLimit() {
    assertThatThrownBy(() -> QueryServerSettings.defaults().withMaxWait(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultWait PT2S exceeds maxWait PT1S");
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheSetting() {
    QueryServerSettings defaults = QueryServerSettings.defaults();

    assertThatThrownBy(() -> defaults.withDefaultWait(Duration.ofMillis(-1))).hasMessageContaining("defaultWait");
    assertThatThrownBy(() -> defaults.withMaxInboundMessageBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("QueryServerSettings.maxInboundMessageBytes 0 must be positive");
  }

  @Test
  void copiesChangeOneSetting() {
    QueryServerSettings settings = QueryServerSettings.defaults().withHost("127.0.0.1").withPort(0);

    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.port()).isZero();
    assertThat(settings.maxWait()).isEqualTo(QueryServerSettings.defaults().maxWait());
  }
}
