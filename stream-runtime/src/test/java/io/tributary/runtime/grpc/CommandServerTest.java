package io.tributary.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.Position;
import io.tributary.runtime.grpc.v1.CommandServiceGrpc;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server plumbing over real Netty servers and clients: health, reflection, extra services, TLS, close. */
class CommandServerTest {
  private static final CommandServerSettings LOCAL =
      CommandServerSettings.defaults().withHost("127.0.0.1").withPort(0).withShutdownGrace(Duration.ofMillis(500));

  private static final CommandGateway ACCEPT_ALL =
      command ->
          CompletableFuture.completedFuture(
              new CommandOutcome.Accepted(command.commandId(), 1, 1, Optional.of(new Position(0, 0)), false));

  private static final MethodDescriptor<SendCommandRequest, SendCommandRequest> ECHO =
      MethodDescriptor.<SendCommandRequest, SendCommandRequest>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("tributary.test.Echo/Echo")
          .setRequestMarshaller(ProtoUtils.marshaller(SendCommandRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(SendCommandRequest.getDefaultInstance()))
          .build();

  @Test
  void healthReportsServingForTheServerAndTheCommandService() throws InterruptedException {
    try (CommandServer server = CommandServer.start(LOCAL, ACCEPT_ALL)) {
      ManagedChannel channel = plaintext(server);
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);

        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("tributary.runtime.v1.CommandService").build())
                .getStatus())
            .isEqualTo(ServingStatus.SERVING);
      } finally {
        shutdown(channel);
      }
    }
  }

  @Test
  void closeReportsNotServingToHealthWatchers() throws InterruptedException {
    BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
    CommandServer server = CommandServer.start(LOCAL, ACCEPT_ALL);
    ManagedChannel channel = plaintext(server);
    try {
      HealthGrpc.newStub(channel)
          .watch(
              HealthCheckRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(HealthCheckResponse value) {
                  seen.add(value.getStatus());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });
      assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

      server.close();

      assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
    } finally {
      shutdown(channel);
      server.close();
    }
  }

  @Test
  void reflectionListsTheCommandServiceAndDescribesIt() throws InterruptedException {
    try (CommandServer server = CommandServer.start(LOCAL, ACCEPT_ALL)) {
      ManagedChannel channel = plaintext(server);
      try {
        ServerReflectionResponse services =
            reflect(channel, ServerReflectionRequest.newBuilder().setListServices("*").build());
        ServerReflectionResponse file =
            reflect(
                channel,
                ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("tributary.runtime.v1.CommandService")
                    .build());

        assertThat(services.getListServicesResponse().getServiceList())
            .extracting(ServiceResponse::getName)
            .contains("tributary.runtime.v1.CommandService", "grpc.health.v1.Health");
        assertThat(file.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
      } finally {
        shutdown(channel);
      }
    }
  }

  @Test
  void servesExtraServicesBesideTheCommandService() throws InterruptedException {
    BindableService echo =
        () ->
            ServerServiceDefinition.builder("tributary.test.Echo")
                .addMethod(
                    ECHO,
                    ServerCalls.asyncUnaryCall(
                        (request, observer) -> {
                          observer.onNext(request);
                          observer.onCompleted();
                        }))
                .build();
    try (CommandServer server = CommandServer.start(LOCAL, ACCEPT_ALL, List.of(echo))) {
      ManagedChannel channel = plaintext(server);
      try {
        SendCommandRequest request = command("c-echo");

        SendCommandRequest echoed =
            ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), request);

        assertThat(echoed).isEqualTo(request);
        assertThat(send(channel, command("c-beside-echo")).getAccepted().getVersion()).isEqualTo(1);
      } finally {
        shutdown(channel);
      }
    }
  }

  @Test
  void refusesAnExtraServiceNamedLikeABuiltInOne() {
    BindableService secondHealth = () -> ServerServiceDefinition.builder("grpc.health.v1.Health").build();

    assertThatThrownBy(() -> CommandServer.start(LOCAL, ACCEPT_ALL, List.of(secondHealth)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grpc.health.v1.Health is given twice");
  }

  @Test
  void portInUseFailsNamingThePort() {
    try (CommandServer first = CommandServer.start(LOCAL, ACCEPT_ALL)) {
      assertThatThrownBy(() -> CommandServer.start(LOCAL.withPort(first.port()), ACCEPT_ALL))
          .isInstanceOf(PermanentException.class)
          .hasMessageContaining("127.0.0.1:" + first.port())
          .hasMessageContaining("Choose a free port");
    }
  }

  @Test
  void unreadableTlsFilesFailToStartNamingTheFiles(@TempDir Path dir) {
    Path cert = dir.resolve("missing-cert.pem");
    Path key = dir.resolve("missing-key.pem");

    assertThatThrownBy(() -> CommandServer.start(LOCAL.withTls(cert, key), ACCEPT_ALL))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining(cert.toString())
        .hasMessageContaining("PKCS#8");
  }

  @Test
  void servesCommandsOverTls(@TempDir Path dir) throws Exception {
    SelfSigned tls = SelfSigned.create(dir);
    try (CommandServer server = CommandServer.start(LOCAL.withTls(tls.certChain(), tls.privateKey()), ACCEPT_ALL)) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .overrideAuthority("localhost")
              .sslContext(GrpcSslContexts.forClient().trustManager(tls.certChain().toFile()).build())
              .build();
      try {
        SendCommandReply reply = send(channel, command("c-tls"));

        assertThat(reply.getCommandId()).isEqualTo("c-tls");
        assertThat(reply.getAccepted().getEventCount()).isEqualTo(1);
      } finally {
        shutdown(channel);
      }
    }
  }

  private static SendCommandReply send(ManagedChannel channel, SendCommandRequest request) {
    return ClientCalls.blockingUnaryCall(
        channel, CommandServiceGrpc.getSendMethod(), CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), request);
  }

  private static SendCommandRequest command(String commandId) {
    return SendCommandRequest.newBuilder().setCommandId(commandId).setAggregateType("Post").build();
  }

  private static ServerReflectionResponse reflect(ManagedChannel channel, ServerReflectionRequest request)
      throws InterruptedException {
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    response.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    response.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    response.completeExceptionally(new AssertionError("reflection ended without a response"));
                  }
                });
    requests.onNext(request);
    requests.onCompleted();
    try {
      return response.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("reflection request failed: " + request, e);
    }
  }

  private static ManagedChannel plaintext(CommandServer server) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A self-signed certificate for localhost and 127.0.0.1, made with the JDK's keytool, as PEM files. */
  private record SelfSigned(Path certChain, Path privateKey) {
    static SelfSigned create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
      Path keyStore = dir.resolve("server.p12");
      char[] password = "changeit".toCharArray();
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      Process process =
          new ProcessBuilder(
                  keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                  "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                  "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("keytool.log").toFile())
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("keytool did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(keyStore)) {
        store.load(in, password);
      }
      Path cert = dir.resolve("server-cert.pem");
      Path key = dir.resolve("server-key.pem");
      Files.writeString(cert, pem("CERTIFICATE", store.getCertificate("server").getEncoded()));
      Files.writeString(key, pem("PRIVATE KEY", ((PrivateKey) store.getKey("server", password)).getEncoded()));
      return new SelfSigned(cert, key);
    }

    private static String pem(String type, byte[] der) {
      String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
      return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
  }
}
