package io.tributary.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EndpointSettingsTest {
  @Test
  void onPortListensOnEveryInterfaceInPlaintext() {
    EndpointSettings settings = EndpointSettings.onPort(50051);

    assertThat(settings.host()).isEqualTo("0.0.0.0");
    assertThat(settings.port()).isEqualTo(50051);
    assertThat(settings.shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.tls()).isEmpty();
  }

  @Test
  void withCopiesChangeOneSettingAndLeaveTheOriginal() {
    EndpointSettings original = EndpointSettings.onPort(50051);

    EndpointSettings changed =
        original.withHost("127.0.0.1").withPort(0).withShutdownGrace(Duration.ofMillis(500));

    assertThat(changed.host()).isEqualTo("127.0.0.1");
    assertThat(changed.port()).isZero();
    assertThat(changed.shutdownGrace()).isEqualTo(Duration.ofMillis(500));
    assertThat(changed.tls()).isEmpty();
    assertThat(original).isEqualTo(EndpointSettings.onPort(50051));
  }

  @Test
  void tlsIsOptionalAndRemovable() {
    EndpointSettings tls = EndpointSettings.onPort(50051).withTls(Path.of("cert.pem"), Path.of("key.pem"));

    assertThat(tls.tls()).contains(new Tls(Path.of("cert.pem"), Path.of("key.pem")));
    assertThat(tls.withoutTls().tls()).isEmpty();
  }

  @Test
  void rejectsOutOfRangeValuesNamingTheSettingAndTheFix() {
    EndpointSettings settings = EndpointSettings.onPort(50051);

    assertThatThrownBy(() -> settings.withPort(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EndpointSettings.port 70000 is out of range; use 1-65535, or 0 to take a free port.");
    assertThatThrownBy(() -> settings.withPort(-1)).hasMessageContaining("port -1 is out of range");
    assertThatThrownBy(() -> settings.withHost(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EndpointSettings.host is blank; use 0.0.0.0 for every interface");
    assertThatThrownBy(() -> settings.withShutdownGrace(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("EndpointSettings.shutdownGrace PT0S must be positive");
    assertThatThrownBy(() -> settings.withShutdownGrace(Duration.ofSeconds(-1))).hasMessageContaining("shutdownGrace");
  }

  @Test
  void tlsNeedsBothFiles() {
    assertThatThrownBy(() -> new Tls(null, Path.of("key.pem"))).hasMessageContaining("certChain");
    assertThatThrownBy(() -> new Tls(Path.of("cert.pem"), null)).hasMessageContaining("privateKey");
  }
}
