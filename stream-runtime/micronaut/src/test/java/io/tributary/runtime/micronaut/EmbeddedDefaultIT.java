package io.tributary.runtime.micronaut;

import io.tributary.runtime.bank.Account;
import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.tributary.devservices.DevServices;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.RuntimeSettings;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no Kafka address configured, the context starts the dev services' broker in this JVM (about
 * 4 s), runs the service on it, and stops it last when the context closes.
 */
class EmbeddedDefaultIT {
  @TempDir Path dataDir;

  @Test
  void runsOnTheDevServicesBrokerAndStopsItLast() throws Exception {
    String bootstrapServers;
    ClosingOrder closing;
    try (ApplicationContext context = ApplicationContext.run(Map.of(
        "tributary.dev.data-dir", dataDir.toString(),
        "tributary.runtime.partitions", "2",
        "tributary.grpc.host", "127.0.0.1",
        "tributary.grpc.port", "0"))) {
      closing = context.getBean(ClosingOrder.class);
      RuntimeSettings settings = context.getBean(RuntimeSettings.class);
      bootstrapServers = settings.bootstrapServers();

      CommandOutcome outcome = context.getBean(CommandGateway.class).send(new SendCommand(
          UUID.randomUUID().toString(), Account.TYPE, Account.deposit("acct-1", 3).toByteArray(), null)).get(60, TimeUnit.SECONDS);

      assertThat(outcome).isInstanceOf(CommandOutcome.Accepted.class);
      assertThat(context.getBean(DevServices.class).baseDir()).isEqualTo(dataDir);
      assertThat(bootstrapServers).isEqualTo(context.getBean(DevServices.class).kafka().bootstrapServers());
      assertThat(settings.stateDir()).isEqualTo(dataDir.resolve("state"));
      assertThat(dataDir.resolve("kafka")).isDirectory();
    }

    assertThat(closing.closed()).containsExactly(CommandServer.class, TributaryRuntime.class, DevServices.class);
    assertThat(accepts(bootstrapServers)).isFalse();
  }

  private static boolean accepts(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(hostAndPort.substring(0, colon),
          Integer.parseInt(hostAndPort.substring(colon + 1))), 5_000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
