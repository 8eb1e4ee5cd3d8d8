package io.tributary.sample.views;

import static io.tributary.sample.views.ViewKeys.post;
import static io.tributary.sample.views.ViewKeys.postComments;
import static io.tributary.sample.views.ViewKeys.recentPosts;
import static io.tributary.sample.views.ViewKeys.topPosts;

import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.KeyedState;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.Increment;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.ScoreAdd;
import io.tributary.projection.sink.ViewUpdate.ScoreIncrement;
import io.tributary.projection.sink.ViewUpdate.ScoreRemove;
import io.tributary.sample.post.v1.PostEvent;
import io.tributary.sample.post.v1.PostPublished;
import io.tributary.sample.views.v1.PostRef;
import java.util.List;
import java.util.Map;

/**
 * Post pages in Redis: a hash per post with its bump and comment counters, its comments, and per
 * tribe the live posts by bumps (top posts) and by time (recent posts, which feeds read).
 *
 * <p>Stateful: it remembers each post's tribe ({@link PostRef}), since a bump or an archive names
 * only the post, yet moves the post in its tribe's sorted sets.
 */
public final class PostPages {
  /** The projection's name. */
  public static final String NAME = "post-pages";

  /** Version 1, reading the {@code Post} aggregate's events, keeping a {@link PostRef} per post. */
  public static final ProjectionDefinition<ViewUpdate> DEFINITION =
      ProjectionDefinition.stateful(NAME, PostRef.getDefaultInstance(), PostPages::project, "Post");

  private PostPages() {}

  static List<ViewUpdate> project(EventEnvelope<? extends Message> envelope, KeyedState<PostRef> posts) {
    if (!(envelope.event() instanceof PostEvent event)) {
      return List.of();
    }
    String id = envelope.aggregateId();
    return switch (event.getKindCase()) {
      case PUBLISHED -> published(event.getPublished(), envelope, posts);
      case EDITED -> List.of(new PutFields(post(id),
          Map.of("title", event.getEdited().getTitle(), "body", event.getEdited().getBody())));
      case COMMENT_ADDED -> List.of(
          new Increment(post(id), "comments", 1),
          new PutFields(postComments(id), Map.of(event.getCommentAdded().getCommentId(),
              event.getCommentAdded().getAuthorId() + ": " + event.getCommentAdded().getText())));
      case BUMPED -> List.of(
          new Increment(post(id), "bumps", 1),
          new ScoreIncrement(topPosts(tribeOf(id, posts, envelope)), id, 1));
      case ARCHIVED -> {
        String tribeId = tribeOf(id, posts, envelope);
        yield List.of(
            new PutFields(post(id), Map.of("archived", "true")),
            new ScoreRemove(topPosts(tribeId), id),
            new ScoreRemove(recentPosts(tribeId), id));
      }
      case KIND_NOT_SET -> throw new IllegalArgumentException("Post event of " + id + " (command "
          + envelope.commandId() + ") sets no kind; the Post aggregate never emits one.");
    };
  }

  private static List<ViewUpdate> published(PostPublished published, EventEnvelope<?> envelope,
      KeyedState<PostRef> posts) {
    String id = published.getPostId();
    String tribeId = published.getTribeId();
    posts.put(id, PostRef.newBuilder().setTribeId(tribeId).build());
    long at = envelope.timestamp().toEpochMilli();
    return List.of(
        new PutFields(post(id), Map.of(
            "post_id", id,
            "tribe_id", tribeId,
            "author_id", published.getAuthorId(),
            "title", published.getTitle(),
            "body", published.getBody(),
            "published_at", Long.toString(at),
            "archived", "false",
            "bumps", "0",
            "comments", "0")),
        new ScoreAdd(topPosts(tribeId), id, 0),
        new ScoreAdd(recentPosts(tribeId), id, at));
  }

  private static String tribeOf(String postId, KeyedState<PostRef> posts, EventEnvelope<?> envelope) {
    return posts.get(postId).map(PostRef::getTribeId).orElseThrow(() -> new IllegalStateException(
        "Post " + postId + " has event " + envelope.sequence() + " (command " + envelope.commandId()
            + ") but no PostPublished was projected before it; the projection's state is missing. Rebuild it "
            + "(raise its version) so it replays the post's events from the start."));
  }
}
