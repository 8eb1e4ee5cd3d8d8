package io.tributary.runtime.micronaut;

import io.tributary.runtime.bank.Account;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Int32Value;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.micronaut.context.ApplicationContext;
import io.tributary.devservices.DevServices;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wiring on a real broker: the context starts the runtime and the server, and closing it stops them in order. */
@WithDevServices
class TributaryFactoryIT {
  @TempDir Path stateDir;

  @Test
  void startsTheRuntimeWithTheContextAndAcceptsACommand(KafkaEndpoint kafka) throws Exception {
    TributaryRuntime runtime;
    int port;
    ClosingOrder closing;
    try (ApplicationContext context = ApplicationContext.run(properties(kafka))) {
      runtime = context.getBean(TributaryRuntime.class);
      port = context.getBean(CommandServer.class).port();
      closing = context.getBean(ClosingOrder.class);
      CommandGateway gateway = context.getBean(CommandGateway.class);

      CommandOutcome outcome = gateway.send(new SendCommand(UUID.randomUUID().toString(), Account.TYPE,
          Account.deposit("acct-1", 5).toByteArray(), null)).get(60, TimeUnit.SECONDS);

      assertThat(outcome).isInstanceOf(CommandOutcome.Accepted.class);
      assertThat(runtime.isRunning()).isTrue();
      assertThat(context.getBean(RuntimeSettings.class).kafkaProperties())
          .containsEntry("client.dns.lookup", "use_all_dns_ips");
      assertThat(context.containsBean(DevServices.class)).isFalse();
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        assertThat(ClientCalls.blockingUnaryCall(channel, CounterService.ECHO,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Int32Value.of(7)))
            .isEqualTo(Int32Value.of(7));
        assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }

    assertThat(closing.closed()).containsExactly(CommandServer.class, TributaryRuntime.class);
    assertThat(runtime.isRunning()).isFalse();
    assertThat(accepts(port)).isFalse();
  }

  @Test
  void stopsTheRuntimeWhenTheServerCannotStart(KafkaEndpoint kafka) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Map<String, Object> properties = properties(kafka);
      properties.put("tributary.grpc.port", String.valueOf(taken.getLocalPort()));

      Throwable failure = catchThrowable(() -> ApplicationContext.run(properties).close());

      assertThat(failure).hasStackTraceContaining("tributary.grpc.port");
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(thread -> thread.getName().startsWith("tributary-" + CounterService.NAME));
    }
  }

  @Test
  void leavesTheServerOutWhenGrpcIsDisabled(KafkaEndpoint kafka) {
    Map<String, Object> properties = properties(kafka);
    properties.put("tributary.grpc.enabled", "false");

    try (ApplicationContext context = ApplicationContext.run(properties)) {
      assertThat(context.getBean(TributaryRuntime.class).isRunning()).isTrue();
      assertThat(context.containsBean(CommandServer.class)).isFalse();
    }
  }

  private Map<String, Object> properties(KafkaEndpoint kafka) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("tributary.runtime.bootstrap-servers", kafka.bootstrapServers());
    properties.put("tributary.runtime.state-dir", stateDir.toString());
    properties.put("tributary.runtime.partitions", "2");
    properties.put("tributary.runtime.kafka.client.dns.lookup", "use_all_dns_ips");
    properties.put("tributary.grpc.host", "127.0.0.1");
    properties.put("tributary.grpc.port", "0");
    return properties;
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
