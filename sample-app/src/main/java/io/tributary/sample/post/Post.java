package io.tributary.sample.post;

import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.Rejection;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.sample.post.v1.AddComment;
import io.tributary.sample.post.v1.CommentAdded;
import io.tributary.sample.post.v1.EditPost;
import io.tributary.sample.post.v1.PostArchived;
import io.tributary.sample.post.v1.PostBumped;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.post.v1.PostEdited;
import io.tributary.sample.post.v1.PostEvent;
import io.tributary.sample.post.v1.PostPublished;
import io.tributary.sample.post.v1.PostState;
import io.tributary.sample.post.v1.PublishPost;
import org.jspecify.annotations.Nullable;

/**
 * A post in a tribe. Its author publishes, edits and archives it; any driver comments on it and
 * bumps it, once per driver. An archived post stays readable but takes no more edits, comments or
 * bumps. Archiving an archived post, or an edit that changes nothing, is accepted with no events.
 *
 * <p>Rejection codes: {@code COMMAND_EMPTY}, {@code DRIVER_REQUIRED}, {@code POST_EXISTS}, {@code
 * TRIBE_REQUIRED}, {@code TITLE_REQUIRED}, {@code TITLE_TOO_LONG}, {@code BODY_TOO_LONG}, {@code
 * POST_NOT_FOUND}, {@code POST_ARCHIVED}, {@code NOT_AUTHOR}, {@code COMMENT_ID_REQUIRED}, {@code
 * COMMENT_TEXT_REQUIRED}, {@code COMMENT_TOO_LONG}, {@code ALREADY_BUMPED}.
 *
 * <p>Whether the author belongs to the tribe is not checked here: an aggregate sees only its own
 * events, so that check belongs to the caller that sends {@code publish}.
 *
 * <p>Pure and stateless: safe to share between threads.
 */
public final class Post implements Aggregate<PostCommand, PostState, PostEvent> {
  /** The longest title, in Unicode code points. */
  public static final int MAX_TITLE_LENGTH = 120;

  /** The longest body, in Unicode code points. */
  public static final int MAX_BODY_LENGTH = 10_000;

  /** The longest comment, in Unicode code points. */
  public static final int MAX_COMMENT_LENGTH = 2_000;

  /** The {@code Post} aggregate, keyed by {@link PostCommand#getPostId()}. */
  public static final AggregateDefinition<PostCommand, PostState, PostEvent> DEFINITION =
      AggregateDefinition.of("Post", new Post())
          .commands(PostCommand.getDefaultInstance())
          .events(PostEvent.getDefaultInstance())
          .keyedBy(PostCommand::getPostId);

  @Override
  public PostState initialState() {
    return PostState.getDefaultInstance();
  }

  @Override
  public Decision<PostEvent> decide(PostCommand command, PostState state) {
    String postId = command.getPostId();
    String driverId = command.getDriverId();
    if (driverId.isBlank()) {
      return Decision.reject(
          "DRIVER_REQUIRED", "Command for post %s names no driver; set driver_id to the sender", postId);
    }
    return switch (command.getKindCase()) {
      case PUBLISH -> publish(postId, driverId, command.getPublish(), state);
      case EDIT -> edit(postId, driverId, command.getEdit(), state);
      case COMMENT -> comment(postId, driverId, command.getComment(), state);
      case BUMP -> bump(postId, driverId, state);
      case ARCHIVE -> archive(postId, driverId, state);
      case KIND_NOT_SET -> Decision.reject(
          "COMMAND_EMPTY",
          "Command for post %s from driver %s sets no kind; set publish, edit, comment, bump or archive",
          postId, driverId);
    };
  }

  @Override
  public PostState evolve(PostState state, PostEvent event) {
    return switch (event.getKindCase()) {
      case PUBLISHED -> {
        PostPublished published = event.getPublished();
        yield state.toBuilder()
            .setExists(true)
            .setTribeId(published.getTribeId())
            .setAuthorId(published.getAuthorId())
            .setTitle(published.getTitle())
            .setBody(published.getBody())
            .build();
      }
      case EDITED -> state.toBuilder()
          .setTitle(event.getEdited().getTitle())
          .setBody(event.getEdited().getBody())
          .build();
      case COMMENT_ADDED -> state.toBuilder().setCommentCount(state.getCommentCount() + 1).build();
      case BUMPED -> state.toBuilder()
          .setBumpCount(state.getBumpCount() + 1)
          .addBumpedBy(event.getBumped().getDriverId())
          .build();
      case ARCHIVED -> state.toBuilder().setArchived(true).build();
      case KIND_NOT_SET -> throw new IllegalStateException(
          "Post event kind is " + event.getKindCase() + ": the event sets none of published, edited,"
              + " comment_added, bumped or archived. It was written by a newer or broken producer; events"
              + " are never skipped, so fix the producer or upcast the event.");
    };
  }

  private static Decision<PostEvent> publish(
      String postId, String authorId, PublishPost publish, PostState state) {
    if (state.getExists()) {
      return Decision.reject(
          "POST_EXISTS", "Post %s already exists (by driver %s in tribe %s); choose another post id",
          postId, state.getAuthorId(), state.getTribeId());
    }
    if (publish.getTribeId().isBlank()) {
      return Decision.reject("TRIBE_REQUIRED", "Post %s names no tribe; set the tribe to publish in", postId);
    }
    Rejection problem = contentProblem(postId, publish.getTitle(), publish.getBody());
    if (problem != null) {
      return Decision.reject(problem);
    }
    return Decision.accept(PostEvent.newBuilder()
        .setPublished(PostPublished.newBuilder()
            .setPostId(postId)
            .setTribeId(publish.getTribeId())
            .setAuthorId(authorId)
            .setTitle(publish.getTitle())
            .setBody(publish.getBody()))
        .build());
  }

  private static Decision<PostEvent> edit(String postId, String driverId, EditPost edit, PostState state) {
    Rejection problem = writableBy(postId, driverId, state, "edited");
    if (problem == null) {
      problem = contentProblem(postId, edit.getTitle(), edit.getBody());
    }
    if (problem != null) {
      return Decision.reject(problem);
    }
    if (edit.getTitle().equals(state.getTitle()) && edit.getBody().equals(state.getBody())) {
      return Decision.accept(); // nothing changes, so there is nothing to record
    }
    return Decision.accept(PostEvent.newBuilder()
        .setEdited(PostEdited.newBuilder()
            .setPostId(postId)
            .setTitle(edit.getTitle())
            .setBody(edit.getBody()))
        .build());
  }

  private static Decision<PostEvent> comment(
      String postId, String driverId, AddComment comment, PostState state) {
    Rejection problem = open(postId, state, "commented on");
    if (problem != null) {
      return Decision.reject(problem);
    }
    if (comment.getCommentId().isBlank()) {
      return Decision.reject(
          "COMMENT_ID_REQUIRED", "Comment by driver %s on post %s has no id; set comment_id", driverId, postId);
    }
    if (comment.getText().isBlank()) {
      return Decision.reject(
          "COMMENT_TEXT_REQUIRED", "Comment %s on post %s is blank; write some text",
          comment.getCommentId(), postId);
    }
    if (codePoints(comment.getText()) > MAX_COMMENT_LENGTH) {
      return Decision.reject(
          "COMMENT_TOO_LONG", "Comment %s on post %s has %d characters; the limit is %d",
          comment.getCommentId(), postId, codePoints(comment.getText()), MAX_COMMENT_LENGTH);
    }
    return Decision.accept(PostEvent.newBuilder()
        .setCommentAdded(CommentAdded.newBuilder()
            .setPostId(postId)
            .setCommentId(comment.getCommentId())
            .setAuthorId(driverId)
            .setText(comment.getText()))
        .build());
  }

  private static Decision<PostEvent> bump(String postId, String driverId, PostState state) {
    Rejection problem = open(postId, state, "bumped");
    if (problem != null) {
      return Decision.reject(problem);
    }
    if (state.getBumpedByList().contains(driverId)) {
      return Decision.reject(
          "ALREADY_BUMPED", "Driver %s has already bumped post %s; each driver bumps a post once",
          driverId, postId);
    }
    return Decision.accept(PostEvent.newBuilder()
        .setBumped(PostBumped.newBuilder().setPostId(postId).setDriverId(driverId))
        .build());
  }

  private static Decision<PostEvent> archive(String postId, String driverId, PostState state) {
    if (!state.getExists()) {
      return Decision.reject(notFound(postId));
    }
    if (!state.getAuthorId().equals(driverId)) {
      return Decision.reject(notAuthor(postId, driverId, state, "archived"));
    }
    if (state.getArchived()) {
      return Decision.accept(); // archiving is idempotent
    }
    return Decision.accept(PostEvent.newBuilder()
        .setArchived(PostArchived.newBuilder().setPostId(postId))
        .build());
  }

  /** @return why the post cannot be {@code action} by anyone, or null if it is published and not archived */
  private static @Nullable Rejection open(String postId, PostState state, String action) {
    if (!state.getExists()) {
      return notFound(postId);
    }
    if (state.getArchived()) {
      return Rejection.of("POST_ARCHIVED", "Post %s is archived and cannot be %s", postId, action);
    }
    return null;
  }

  /** @return why {@code driverId} cannot change the post, or null if the post is open and theirs */
  private static @Nullable Rejection writableBy(String postId, String driverId, PostState state, String action) {
    Rejection problem = open(postId, state, action);
    if (problem == null && !state.getAuthorId().equals(driverId)) {
      problem = notAuthor(postId, driverId, state, action);
    }
    return problem;
  }

  /** @return what is wrong with a title and body, or null if both are fine */
  private static @Nullable Rejection contentProblem(String postId, String title, String body) {
    if (title.isBlank()) {
      return Rejection.of("TITLE_REQUIRED", "Post %s needs a title that is not blank", postId);
    }
    if (codePoints(title) > MAX_TITLE_LENGTH) {
      return Rejection.of(
          "TITLE_TOO_LONG", "The title of post %s has %d characters; the limit is %d",
          postId, codePoints(title), MAX_TITLE_LENGTH);
    }
    if (codePoints(body) > MAX_BODY_LENGTH) {
      return Rejection.of(
          "BODY_TOO_LONG", "The body of post %s has %d characters; the limit is %d",
          postId, codePoints(body), MAX_BODY_LENGTH);
    }
    return null;
  }

  private static Rejection notFound(String postId) {
    return Rejection.of("POST_NOT_FOUND", "Post %s does not exist; publish it first", postId);
  }

  private static Rejection notAuthor(String postId, String driverId, PostState state, String action) {
    return Rejection.of(
        "NOT_AUTHOR", "Post %s can be %s only by its author, driver %s, not by driver %s",
        postId, action, state.getAuthorId(), driverId);
  }

  private static int codePoints(String text) {
    return text.codePointCount(0, text.length());
  }
}
