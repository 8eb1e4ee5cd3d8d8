package io.tributary.sample;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.runtime.grpc.CommandTrailers;
import io.tributary.sample.api.v1.CommandReply;
import io.tributary.sample.api.v1.DriversApiGrpc;
import io.tributary.sample.api.v1.PostCommandRequest;
import io.tributary.sample.api.v1.TribeCommandRequest;
import io.tributary.sample.post.v1.AddComment;
import io.tributary.sample.post.v1.ArchivePost;
import io.tributary.sample.post.v1.BumpPost;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.post.v1.PublishPost;
import io.tributary.sample.tribe.v1.CreateTribe;
import io.tributary.sample.tribe.v1.JoinTribe;
import io.tributary.sample.tribe.v1.LeaveTribe;
import io.tributary.sample.tribe.v1.TribeCommand;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A command-line client of the drivers service's typed gRPC API ({@code DriversApi}): sends one
 * command and prints its outcome.
 *
 * <pre>
 * DriversClient [--target 127.0.0.1:50051] [--command-id ID] COMMAND ARGS...
 *   create-tribe TRIBE_ID DRIVER_ID NAME
 *   join         TRIBE_ID DRIVER_ID
 *   leave        TRIBE_ID DRIVER_ID
 *   publish      POST_ID DRIVER_ID TRIBE_ID TITLE BODY
 *   comment      POST_ID DRIVER_ID COMMENT_ID TEXT
 *   bump         POST_ID DRIVER_ID
 *   archive      POST_ID DRIVER_ID
 * </pre>
 *
 * Each run sends a new random command id, or {@code --command-id ID} to resend one: a resend
 * returns the first outcome and appends nothing twice. It prints one line and exits with:
 *
 * <ul>
 *   <li>0: {@code accepted: version=N events=N position=P:O (command ID)}, with {@code duplicate}
 *       when it repeats an earlier send;
 *   <li>2: {@code rejected: CODE: message (command ID)}: the aggregate said no;
 *   <li>1: {@code error: STATUS: description}: the command was refused, or its outcome is unknown
 *       (then resending with the same {@code --command-id} is safe);
 *   <li>64: a usage error; the usage is printed.
 * </ul>
 */
public final class DriversClient {
  /** The target when none is given: the app's default address. */
  public static final String DEFAULT_TARGET = "127.0.0.1:" + DriversAppConfig.DEFAULT_GRPC_PORT;

  static final int EXIT_ACCEPTED = 0;
  static final int EXIT_ERROR = 1;
  static final int EXIT_REJECTED = 2;
  static final int EXIT_USAGE = 64;

  private static final long DEADLINE_SECONDS = 15;

  static final String USAGE = """
      Usage: DriversClient [--target HOST:PORT] [--command-id ID] COMMAND ARGS...
        create-tribe TRIBE_ID DRIVER_ID NAME
        join         TRIBE_ID DRIVER_ID
        leave        TRIBE_ID DRIVER_ID
        publish      POST_ID DRIVER_ID TRIBE_ID TITLE BODY
        comment      POST_ID DRIVER_ID COMMENT_ID TEXT
        bump         POST_ID DRIVER_ID
        archive      POST_ID DRIVER_ID
      --target      the drivers service's gRPC address (default %s)
      --command-id  the id to send, to resend a command; default a new random id
      Exit status: 0 accepted, 2 rejected, 1 other error, 64 usage error.""".formatted(DEFAULT_TARGET);

  /** One command as the command line states it. */
  private record Verb(int arity, String idName, Function<List<String>, Request> build) {}

  /** A request to send: exactly one of the two is set. */
  record Request(@Nullable TribeCommand tribe, @Nullable PostCommand post) {}

  private static final Map<String, Verb> VERBS = Map.of(
      "create-tribe", new Verb(3, "TRIBE_ID", a -> tribe(a, TribeCommand.newBuilder()
          .setCreate(CreateTribe.newBuilder().setName(a.get(2))))),
      "join", new Verb(2, "TRIBE_ID", a -> tribe(a, TribeCommand.newBuilder()
          .setJoin(JoinTribe.getDefaultInstance()))),
      "leave", new Verb(2, "TRIBE_ID", a -> tribe(a, TribeCommand.newBuilder()
          .setLeave(LeaveTribe.getDefaultInstance()))),
      "publish", new Verb(5, "POST_ID", a -> post(a, PostCommand.newBuilder()
          .setPublish(PublishPost.newBuilder().setTribeId(a.get(2)).setTitle(a.get(3)).setBody(a.get(4))))),
      "comment", new Verb(4, "POST_ID", a -> post(a, PostCommand.newBuilder()
          .setComment(AddComment.newBuilder().setCommentId(a.get(2)).setText(a.get(3))))),
      "bump", new Verb(2, "POST_ID", a -> post(a, PostCommand.newBuilder()
          .setBump(BumpPost.getDefaultInstance()))),
      "archive", new Verb(2, "POST_ID", a -> post(a, PostCommand.newBuilder()
          .setArchive(ArchivePost.getDefaultInstance()))));

  private DriversClient() {}

  /** Sends the command the arguments name and exits with its status (see the class javadoc). */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Parses the arguments, sends the command and prints its outcome.
   *
   * @return the exit status: 0 accepted, 2 rejected, 1 other error, 64 usage error
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Invocation invocation;
    try {
      invocation = parse(args);
    } catch (UsageException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return EXIT_USAGE;
    }
    if (invocation == null) {
      out.println(USAGE);
      return EXIT_ACCEPTED;
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(invocation.target()).usePlaintext().build();
    try {
      CommandReply reply = send(DriversApiGrpc.newBlockingStub(channel)
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS), invocation);
      out.println(accepted(reply));
      return EXIT_ACCEPTED;
    } catch (StatusRuntimeException e) {
      return failed(e, invocation, out, err);
    } finally {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What to send and where. */
  record Invocation(String target, String commandId, Request request) {}

  /** @return the invocation, or {@code null} if only the usage was asked for */
  static @Nullable Invocation parse(String[] args) throws UsageException {
    String target = DEFAULT_TARGET;
    String commandId = null;
    int i = 0;
    while (i < args.length && args[i].startsWith("--")) {
      switch (args[i]) {
        case "--help" -> {
          return null;
        }
        case "--target" -> target = optionValue(args, i);
        case "--command-id" -> commandId = optionValue(args, i);
        default -> throw new UsageException("Unknown option " + args[i] + ".");
      }
      i += 2;
    }
    if (i == args.length) {
      throw new UsageException("No command given.");
    }
    String name = args[i];
    Verb verb = VERBS.get(name);
    if (verb == null) {
      throw new UsageException("Unknown command '" + name + "'; the commands are " + VERBS.keySet().stream().sorted()
          .toList() + ".");
    }
    List<String> operands = List.of(args).subList(i + 1, args.length);
    if (operands.size() != verb.arity()) {
      throw new UsageException(name + " takes " + verb.arity() + " arguments, not " + operands.size()
          + " (quote an argument that contains spaces).");
    }
    if (operands.get(0).isBlank()) {
      throw new UsageException(name + " needs a " + verb.idName() + " that is not blank: it routes the command.");
    }
    return new Invocation(target, commandId != null ? commandId : UUID.randomUUID().toString(),
        verb.build().apply(operands));
  }

  private static String optionValue(String[] args, int i) throws UsageException {
    if (i + 1 >= args.length || args[i + 1].isBlank()) {
      throw new UsageException(args[i] + " needs a value.");
    }
    return args[i + 1];
  }

  private static Request tribe(List<String> operands, TribeCommand.Builder command) {
    return new Request(command.setTribeId(operands.get(0)).setDriverId(operands.get(1)).build(), null);
  }

  private static Request post(List<String> operands, PostCommand.Builder command) {
    return new Request(null, command.setPostId(operands.get(0)).setDriverId(operands.get(1)).build());
  }

  private static CommandReply send(DriversApiGrpc.DriversApiBlockingStub stub, Invocation invocation) {
    Request request = invocation.request();
    if (request.tribe() != null) {
      return stub.sendTribeCommand(TribeCommandRequest.newBuilder()
          .setCommandId(invocation.commandId()).setCommand(request.tribe()).build());
    }
    return stub.sendPostCommand(PostCommandRequest.newBuilder()
        .setCommandId(invocation.commandId()).setCommand(request.post()).build());
  }

  static String accepted(CommandReply reply) {
    String position = reply.hasLastEvent()
        ? reply.getLastEvent().getPartition() + ":" + reply.getLastEvent().getOffset()
        : "none";
    return "accepted: version=" + reply.getVersion() + " events=" + reply.getEventCount() + " position=" + position
        + " (command " + reply.getCommandId() + (reply.getDuplicate() ? ", duplicate" : "") + ")";
  }

  private static int failed(StatusRuntimeException e, Invocation invocation, PrintStream out, PrintStream err) {
    Status status = e.getStatus();
    String duplicate = e.getTrailers() != null && "true".equals(e.getTrailers().get(CommandTrailers.DUPLICATE))
        ? ", duplicate" : "";
    if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
      out.println("rejected: " + status.getDescription() + " (command " + invocation.commandId() + duplicate + ")");
      return EXIT_REJECTED;
    }
    err.println("error: " + status.getCode() + ": " + status.getDescription());
    switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> err.println(
          "The outcome of command " + invocation.commandId() + " is unknown. Check that the drivers service runs at "
              + invocation.target() + " (start it with ./mvnw -q -pl sample-app exec:exec), then resend with"
              + " --command-id " + invocation.commandId() + ": that is safe.");
      default -> {
        // the description says what to fix
      }
    }
    return EXIT_ERROR;
  }

  /** The command line is wrong; the message says how. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
