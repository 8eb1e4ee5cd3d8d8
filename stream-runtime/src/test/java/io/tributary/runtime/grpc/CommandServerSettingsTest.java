package io.tributary.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.grpc.EndpointSettings;
import io.tributary.grpc.Tls;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// host, port, shutdown grace and TLS are checked by EndpointSettingsTest in tributary-grpc-server
class CommandServerSettingsTest {
  @Test
  void defaultsListenOnEveryInterfaceOnPort50051() {
    assertThat(CommandServerSettings.defaults().endpoint()).isEqualTo(EndpointSettings.onPort(50051));
  }

  @Test
  void withCopiesChangeOneSettingAndLeaveTheOriginal() {
    CommandServerSettings defaults = CommandServerSettings.defaults();

    CommandServerSettings changed =
        defaults.withHost("127.0.0.1").withPort(0).withMaxCommandBytes(2048).withDefaultTimeout(Duration.ofSeconds(3))
            .withShutdownGrace(Duration.ofSeconds(1));

    assertThat(changed.host()).isEqualTo("127.0.0.1");
    assertThat(changed.port()).isZero();
    assertThat(changed.shutdownGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(changed.maxCommandBytes()).isEqualTo(2048);
    assertThat(changed.defaultTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(changed.deadlineMargin()).isEqualTo(defaults.deadlineMargin());
    assertThat(defaults.host()).isEqualTo("0.0.0.0");
    assertThat(defaults.port()).isEqualTo(50051);
  }

  @Test
  void tlsIsOptionalAndRemovable() {
    CommandServerSettings tls = CommandServerSettings.defaults().withTls(Path.of("cert.pem"), Path.of("key.pem"));

    assertThat(tls.tls()).contains(new Tls(Path.of("cert.pem"), Path.of("key.pem")));
    assertThat(tls.withoutTls().tls()).isEmpty();
    assertThat(CommandServerSettings.defaults().tls()).isEmpty();
  }

  @Test
  void readsRequestsUpToTheCommandLimitPlusHeadroomWithoutOverflowing() {
    assertThat(CommandServerSettings.defaults().withMaxCommandBytes(1000).maxInboundMessageBytes())
        .isEqualTo(1000 + CommandServerSettings.ENVELOPE_HEADROOM_BYTES);
    assertThat(CommandServerSettings.defaults().withMaxCommandBytes(Integer.MAX_VALUE).maxInboundMessageBytes())
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheSetting() {
    CommandServerSettings defaults = CommandServerSettings.defaults();

    assertThatThrownBy(() -> defaults.withMaxCommandBytes(0)).hasMessageContaining("maxCommandBytes 0 must be positive");
    assertThatThrownBy(() -> defaults.withDefaultTimeout(Duration.ZERO)).hasMessageContaining("defaultTimeout");
    assertThatThrownBy(() -> defaults.withDeadlineMargin(Duration.ofMillis(-1))).hasMessageContaining("deadlineMargin");
  }
}
