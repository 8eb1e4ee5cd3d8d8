package io.tributary.sample;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.sample.api.v1.Consistency;
import io.tributary.sample.api.v1.DriversQueriesGrpc;
import io.tributary.sample.api.v1.DriversQueriesGrpc.DriversQueriesBlockingStub;
import io.tributary.sample.api.v1.FeedRequest;
import io.tributary.sample.api.v1.GetPostRequest;
import io.tributary.sample.api.v1.GetTribeRequest;
import io.tributary.sample.api.v1.PostList;
import io.tributary.sample.api.v1.PostPage;
import io.tributary.sample.api.v1.PostSummary;
import io.tributary.sample.api.v1.Position;
import io.tributary.sample.api.v1.SearchPostsRequest;
import io.tributary.sample.api.v1.TopPostsRequest;
import io.tributary.sample.api.v1.TribePage;
import io.tributary.sample.api.v1.ViewPosition;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * A command-line client of the drivers service's queries ({@code tributary.sample.api.v1.DriversQueries}):
 *
 * <pre>
 *   tribe   TRIBE_ID      a tribe's page
 *   post    POST_ID       a post's page with its counters and comments
 *   top     TRIBE_ID      a tribe's posts with the most bumps first
 *   feed    DRIVER_ID     the newest posts of the driver's tribes
 *   search  TEXT          posts matching the text
 * </pre>
 *
 * {@code --after P:O} (repeatable) passes the position a command reply printed, so the answer
 * reflects that command (read-your-writes); the query waits up to {@code --wait-ms} (default
 * 2000) for the views to reach it. It prints the answer and the view positions it reflects, and
 * exits with 0 on an answer, 3 when not found, 4 when the views are still behind, 1 on another
 * error, 64 on a usage error.
 */
public final class DriversQueryClient {
  static final int EXIT_FOUND = 0;
  static final int EXIT_ERROR = 1;
  static final int EXIT_NOT_FOUND = 3;
  static final int EXIT_BEHIND = 4;
  static final int EXIT_USAGE = 64;

  static final String USAGE = """
      Usage: DriversQueryClient [--target HOST:PORT] [--after PARTITION:OFFSET]... [--wait-ms N] QUERY ARG
        tribe   TRIBE_ID
        post    POST_ID
        top     TRIBE_ID
        feed    DRIVER_ID
        search  TEXT
      --target   the drivers service's gRPC address (default %s)
      --after    a position from a command reply; the answer then reflects that command
      --wait-ms  how long to wait for the views to reach the positions (default 2000)
      Exit status: 0 answered, 3 not found, 4 views behind, 1 other error, 64 usage error."""
      .formatted(DriversClient.DEFAULT_TARGET);

  private static final Map<String, BiFunction<DriversQueriesBlockingStub, Query, String>> QUERIES = Map.of(
      "tribe", (stub, q) -> tribe(stub.getTribe(GetTribeRequest.newBuilder().setTribeId(q.arg())
          .setConsistency(q.consistency()).build())),
      "post", (stub, q) -> post(stub.getPost(GetPostRequest.newBuilder().setPostId(q.arg())
          .setConsistency(q.consistency()).build())),
      "top", (stub, q) -> list(stub.topPosts(TopPostsRequest.newBuilder().setTribeId(q.arg())
          .setConsistency(q.consistency()).build())),
      "feed", (stub, q) -> list(stub.feed(FeedRequest.newBuilder().setDriverId(q.arg())
          .setConsistency(q.consistency()).build())),
      "search", (stub, q) -> list(stub.searchPosts(SearchPostsRequest.newBuilder().setText(q.arg())
          .setConsistency(q.consistency()).build())));

  /** A parsed command line. */
  record Query(String target, String name, String arg, Consistency consistency) {}

  private DriversQueryClient() {}

  /** Runs the query the arguments name and exits with its status (see the class javadoc). */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Query query;
    try {
      query = parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return EXIT_USAGE;
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(query.target()).usePlaintext().build();
    try {
      DriversQueriesBlockingStub stub = DriversQueriesGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS);
      out.println(QUERIES.get(query.name()).apply(stub, query));
      return EXIT_FOUND;
    } catch (StatusRuntimeException e) {
      err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      return switch (e.getStatus().getCode()) {
        case NOT_FOUND -> EXIT_NOT_FOUND;
        case UNAVAILABLE -> {
          if (e.getStatus().getDescription() == null || !e.getStatus().getDescription().contains("behind")) {
            err.println("Check that the drivers service runs at " + query.target()
                + " (start it with ./mvnw -q -pl sample-app exec:exec).");
            yield EXIT_ERROR;
          }
          yield EXIT_BEHIND;
        }
        default -> {
          if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
            err.println("The service log has the details.");
          }
          yield EXIT_ERROR;
        }
      };
    } finally {
      channel.shutdownNow();
    }
  }

  static Query parse(String[] args) {
    String target = DriversClient.DEFAULT_TARGET;
    Consistency.Builder consistency = Consistency.newBuilder();
    List<String> operands = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = value(args, ++i, "--target");
        case "--after" -> consistency.addAfter(position(value(args, ++i, "--after")));
        case "--wait-ms" -> consistency.setMaxWait(millis(number(value(args, ++i, "--wait-ms"))));
        default -> operands.add(args[i]);
      }
    }
    if (operands.size() != 2 || !QUERIES.containsKey(operands.get(0))) {
      throw new IllegalArgumentException("Give one query and its argument; the queries are "
          + QUERIES.keySet().stream().sorted().toList() + ".");
    }
    return new Query(target, operands.get(0), operands.get(1), consistency.build());
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value.");
    }
    return args[i];
  }

  private static com.google.protobuf.Duration millis(long millis) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)
        .build();
  }

  private static Position position(String text) {
    String[] parts = text.split(":");
    if (parts.length != 2) {
      throw new IllegalArgumentException("--after " + text + " is not PARTITION:OFFSET; copy the position a"
          + " command printed, e.g. --after 3:17.");
    }
    return Position.newBuilder().setPartition((int) number(parts[0])).setOffset(number(parts[1])).build();
  }

  private static long number(String text) {
    try {
      long value = Long.parseLong(text);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not a number of 0 or more.");
  }

  private static String tribe(TribePage page) {
    return "tribe %s: %s, founded by %s, %d members%n  %s%n%s".formatted(page.getTribeId(), page.getName(),
        page.getFounderId(), page.getMemberCount(), page.getDescription(), asOf(page.getAsOfList()));
  }

  private static String post(PostPage page) {
    String comments = page.getCommentTextsMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(comment -> "  comment " + comment.getKey() + " by " + comment.getValue()).collect(Collectors.joining("\n"));
    return "post %s in %s by %s%s: %s%n  %s%n  bumps=%d comments=%d%n%s%s".formatted(page.getPostId(),
        page.getTribeId(), page.getAuthorId(), page.getArchived() ? " (archived)" : "", page.getTitle(),
        page.getBody(), page.getBumps(), page.getComments(), comments.isEmpty() ? "" : comments + "\n",
        asOf(page.getAsOfList()));
  }

  private static String list(PostList list) {
    StringBuilder text = new StringBuilder(list.getPostsCount() + " post(s)\n");
    for (PostSummary post : list.getPostsList()) {
      text.append("  %s in %s: %s (bumps=%d, score=%s)%n".formatted(post.getPostId(), post.getTribeId(),
          post.getTitle(), post.getBumps(), BigDecimal.valueOf(post.getScore()).stripTrailingZeros().toPlainString()));
    }
    return text + asOf(list.getAsOfList());
  }

  private static String asOf(List<ViewPosition> positions) {
    return "  as of " + positions.stream()
        .map(p -> p.getProjection() + " v" + p.getVersion() + " " + p.getPartition() + ":" + p.getOffset())
        .collect(Collectors.joining(", "));
  }
}
