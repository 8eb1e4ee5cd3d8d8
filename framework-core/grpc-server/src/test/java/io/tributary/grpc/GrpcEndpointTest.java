package io.tributary.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.core.error.PermanentException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
  void runsTheNonBlockingMethodsOnTheTransportThreadAndTheOthersOnTheExecutor() throws Exception {
    ServerServiceDefinition probe = ServerServiceDefinition.builder("tests.v1.Threads")
        .addMethod(threadName("Direct"), ServerCalls.asyncUnaryCall(GrpcEndpointTest::answerWithThreadName))
        .addMethod(threadName("Handed"), ServerCalls.asyncUnaryCall(GrpcEndpointTest::answerWithThreadName))
        .build();
    try (GrpcEndpoint endpoint = GrpcEndpoint.start("tests", LOCAL, 1024, List.of(probe), List.of(),
        Set.of("tests.v1.Threads/Direct"))) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", endpoint.port()).usePlaintext().build();
      try {
        List<String> direct = new ArrayList<>();
        List<String> handed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          direct.add(ClientCalls.blockingUnaryCall(channel, threadName("Direct"), CallOptions.DEFAULT, ""));
          handed.add(ClientCalls.blockingUnaryCall(channel, threadName("Handed"), CallOptions.DEFAULT, ""));
        }

        // as a rule: gRPC looks the method up on the executor, and a request read before that is done
        // is handled there too
        assertThat(direct).as("the threads of a non-blocking method").anyMatch(name -> name.contains("worker-ELG"));
        assertThat(handed).as("the threads of any other method").allMatch(name -> name.contains("grpc-default-executor"));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static MethodDescriptor<String, String> threadName(String method) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("tests.v1.Threads/" + method)
        .setRequestMarshaller(UTF_8)
        .setResponseMarshaller(UTF_8)
        .build();
  }

  private static void answerWithThreadName(String request, StreamObserver<String> reply) {
    reply.onNext(Thread.currentThread().getName());
    reply.onCompleted();
  }

  private static final MethodDescriptor.Marshaller<String> UTF_8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @Test
  void refusesTwoServicesOfOneName() {
    ServerServiceDefinition probe = ServerServiceDefinition.builder("tests.v1.Probe").build();

    assertThatThrownBy(() -> GrpcEndpoint.start("tests", LOCAL, 1024, List.of(probe, probe), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gRPC service tests.v1.Probe is given twice; the server for tests already serves")
        .hasMessageContaining("grpc.health.v1.Health");
  }

  @Test
  void refusesANonBlockingMethodNoServiceHas() {
    assertThatThrownBy(() -> GrpcEndpoint.start("tests", LOCAL, 1024, List.of(), List.of(),
        Set.of("tests.v1.Threads/Direct")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Non-blocking method tests.v1.Threads/Direct is not a method of the services");
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
