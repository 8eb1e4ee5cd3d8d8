package io.tributary.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.tributary.core.error.PermanentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcEndpointTest {
  private static final EndpointSettings LOCAL =
      EndpointSettings.onPort(0).withHost("127.0.0.1").withShutdownGrace(Duration.ofMillis(500));

  @Test
  void reportsServingForTheWholeServerAndEachServingName() throws Exception {
    try (GrpcEndpoint endpoint = GrpcEndpoint.start("tests", LOCAL, 1024, List.of(), List.of("tests.v1.Probe"))) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", endpoint.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("tests.v1.Probe").build()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aTakenPortFailsToStartNamingTheAddressAndTheFix() {
    try (GrpcEndpoint first = GrpcEndpoint.start("tests", LOCAL, 1024, List.of(), List.of())) {
      assertThatThrownBy(() -> GrpcEndpoint.start("tests", LOCAL.withPort(first.port()), 1024, List.of(), List.of()))
          .isInstanceOf(PermanentException.class)
          .hasMessageContaining("Cannot listen for gRPC tests on 127.0.0.1:" + first.port())
          .hasMessageContaining("Choose a free port");
    }
  }

  @Test
  void unreadableTlsFilesFailToStartNamingTheFiles(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
    Path key = dir.resolve("missing.key");

    assertThatThrownBy(() -> GrpcEndpoint.start("tests", LOCAL.withTls(cert, key), 1024, List.of(), List.of()))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(cert.toString())
        .hasMessageContaining(key.toString())
        .hasMessageContaining("PKCS#8");
  }

  @Test
  void rejectsANonPositiveMessageLimit() {
    assertThatThrownBy(() -> GrpcEndpoint.start("tests", LOCAL, 0, List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInboundMessageBytes 0 for gRPC tests must be positive");
  }

  @Test
  void closeIsIdempotentAndFreesThePort() {
    GrpcEndpoint endpoint = GrpcEndpoint.start("tests", LOCAL, 1024, List.of(), List.of());
    int port = endpoint.port();

    endpoint.close();
    endpoint.close();

    try (GrpcEndpoint again = GrpcEndpoint.start("tests", LOCAL.withPort(port), 1024, List.of(), List.of())) {
      assertThat(again.port()).isEqualTo(port);
    }
  }
}
