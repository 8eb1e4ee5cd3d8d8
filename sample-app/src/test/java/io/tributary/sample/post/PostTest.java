package io.tributary.sample.post;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.sample.post.v1.AddComment;
import io.tributary.sample.post.v1.ArchivePost;
import io.tributary.sample.post.v1.BumpPost;
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
import io.tributary.testkit.AggregateFixture;
import org.junit.jupiter.api.Test;

class PostTest {
  private static final String POST = "post-stelvio";
  private static final String TRIBE = "tribe-alpine-passes";
  private static final String AUTHOR = "driver-ana";
  private static final String READER = "driver-ben";
  private static final String OTHER_READER = "driver-cleo";
  private static final String TITLE = "Stelvio at dawn";
  private static final String BODY = "48 hairpins and no traffic before seven.";
  private static final String NEW_TITLE = "Stelvio at dawn, in the rain";
  private static final String NEW_BODY = "Still 48 hairpins; bring tyres that grip.";

  private final AggregateFixture<PostCommand, PostState, PostEvent> fixture = AggregateFixture.of(Post.DEFINITION);

  // publish

  @Test
  void publishesPostInTribe() {
    fixture.givenNothing()
        .when(publish(TRIBE, TITLE, BODY))
        .thenEvents(published())
        .thenState(publishedPost().build());
  }

  @Test
  void countsTitleLengthInCharactersNotUtf16Units() {
    String longestTitle = "🚗".repeat(Post.MAX_TITLE_LENGTH);
    fixture.givenNothing()
        .when(publish(TRIBE, longestTitle, BODY))
        .thenEvents(published(longestTitle, BODY));
  }

  @Test
  void rejectsPublishingPostThatExists() {
    fixture.given(published())
        .when(publish(TRIBE, NEW_TITLE, NEW_BODY))
        .thenRejected("POST_EXISTS", POST);
  }

  @Test
  void rejectsPostWithoutTribe() {
    fixture.givenNothing()
        .when(publish("", TITLE, BODY))
        .thenRejected("TRIBE_REQUIRED", POST);
  }

  @Test
  void rejectsPostWithBlankTitle() {
    fixture.givenNothing()
        .when(publish(TRIBE, " ", BODY))
        .thenRejected("TITLE_REQUIRED", POST);
  }

  @Test
  void rejectsPostWithTooLongTitle() {
    fixture.givenNothing()
        .when(publish(TRIBE, "x".repeat(Post.MAX_TITLE_LENGTH + 1), BODY))
        .thenRejected("TITLE_TOO_LONG", POST);
  }

  @Test
  void rejectsPostWithTooLongBody() {
    fixture.givenNothing()
        .when(publish(TRIBE, TITLE, "x".repeat(Post.MAX_BODY_LENGTH + 1)))
        .thenRejected("BODY_TOO_LONG", POST);
  }

  // edit

  @Test
  void editsOwnPost() {
    fixture.given(published())
        .when(edit(AUTHOR, NEW_TITLE, NEW_BODY))
        .thenEvents(edited(NEW_TITLE, NEW_BODY))
        .thenState(publishedPost().setTitle(NEW_TITLE).setBody(NEW_BODY).build());
  }

  @Test
  void acceptsEditThatChangesNothingWithoutEvents() {
    fixture.given(published())
        .when(edit(AUTHOR, TITLE, BODY))
        .thenNoEvents()
        .thenState(publishedPost().build());
  }

  @Test
  void rejectsEditByNonAuthor() {
    fixture.given(published())
        .when(edit(READER, NEW_TITLE, NEW_BODY))
        .thenRejected("NOT_AUTHOR", READER);
  }

  @Test
  void rejectsEditOfArchivedPost() {
    fixture.given(published(), archived())
        .when(edit(AUTHOR, NEW_TITLE, NEW_BODY))
        .thenRejected("POST_ARCHIVED", POST);
  }

  @Test
  void rejectsEditOfMissingPost() {
    fixture.givenNothing()
        .when(edit(AUTHOR, NEW_TITLE, NEW_BODY))
        .thenRejected("POST_NOT_FOUND", POST);
  }

  @Test
  void rejectsEditThatBlanksTitle() {
    fixture.given(published())
        .when(edit(AUTHOR, "", NEW_BODY))
        .thenRejected("TITLE_REQUIRED", POST);
  }

  @Test
  void rejectsEditWithTooLongBody() {
    fixture.given(published())
        .when(edit(AUTHOR, TITLE, "x".repeat(Post.MAX_BODY_LENGTH + 1)))
        .thenRejected("BODY_TOO_LONG", POST);
  }

  // comment

  @Test
  void addsComment() {
    fixture.given(published())
        .when(comment(READER, "comment-1", "Went there last June, worth it."))
        .thenEvents(commentAdded(READER, "comment-1", "Went there last June, worth it."))
        .thenState(publishedPost().setCommentCount(1).build());
  }

  @Test
  void rejectsCommentOnMissingPost() {
    fixture.givenNothing()
        .when(comment(READER, "comment-1", "Where is it?"))
        .thenRejected("POST_NOT_FOUND", POST);
  }

  @Test
  void rejectsCommentOnArchivedPost() {
    fixture.given(published(), archived())
        .when(comment(READER, "comment-1", "nice ride"))
        .thenRejected("POST_ARCHIVED", POST);
  }

  @Test
  void rejectsBlankComment() {
    fixture.given(published())
        .when(comment(READER, "comment-1", " \n "))
        .thenRejected("COMMENT_TEXT_REQUIRED", "comment-1");
  }

  @Test
  void rejectsCommentWithoutId() {
    fixture.given(published())
        .when(comment(READER, "", "nice ride"))
        .thenRejected("COMMENT_ID_REQUIRED", POST);
  }

  @Test
  void rejectsTooLongComment() {
    fixture.given(published())
        .when(comment(READER, "comment-1", "x".repeat(Post.MAX_COMMENT_LENGTH + 1)))
        .thenRejected("COMMENT_TOO_LONG", "comment-1");
  }

  // bump

  @Test
  void bumpsPost() {
    fixture.given(published())
        .when(bump(READER))
        .thenEvents(bumped(READER))
        .thenState(publishedPost().setBumpCount(1).addBumpedBy(READER).build());
  }

  @Test
  void rejectsBumpOnArchivedPost() {
    fixture.given(published(), archived())
        .when(bump(READER))
        .thenRejected("POST_ARCHIVED", POST);
  }

  @Test
  void rejectsDuplicateBump() {
    fixture.given(published(), bumped(READER))
        .when(bump(READER))
        .thenRejected("ALREADY_BUMPED", READER);
  }

  @Test
  void rejectsBumpOnMissingPost() {
    fixture.givenNothing()
        .when(bump(READER))
        .thenRejected("POST_NOT_FOUND", POST);
  }

  // archive

  @Test
  void archivesOwnPost() {
    fixture.given(published())
        .when(archive(AUTHOR))
        .thenEvents(archived())
        .thenState(publishedPost().setArchived(true).build());
  }

  @Test
  void acceptsArchivingArchivedPostWithoutEvents() {
    fixture.given(published(), archived())
        .when(archive(AUTHOR))
        .thenNoEvents();
  }

  @Test
  void rejectsArchiveByNonAuthor() {
    fixture.given(published())
        .when(archive(READER))
        .thenRejected("NOT_AUTHOR", READER);
  }

  @Test
  void rejectsArchiveOfMissingPost() {
    fixture.givenNothing()
        .when(archive(AUTHOR))
        .thenRejected("POST_NOT_FOUND", POST);
  }

  // any command

  @Test
  void countsCommentsAndBumpsAcrossSeveralEvents() {
    fixture.given(
            published(),
            commentAdded(READER, "comment-1", "Which tyres?"),
            bumped(READER),
            edited(NEW_TITLE, NEW_BODY),
            commentAdded(AUTHOR, "comment-2", "Summer ones, it was dry."))
        .when(bump(OTHER_READER))
        .thenEvents(bumped(OTHER_READER))
        .thenState(publishedPost()
            .setTitle(NEW_TITLE)
            .setBody(NEW_BODY)
            .setCommentCount(2)
            .setBumpCount(2)
            .addBumpedBy(READER)
            .addBumpedBy(OTHER_READER)
            .build());
  }

  @Test
  void keepsCountsWhenArchived() {
    fixture.given(published(), commentAdded(READER, "comment-1", "Which tyres?"), bumped(READER))
        .when(archive(AUTHOR))
        .thenEvents(archived())
        .thenState(publishedPost()
            .setArchived(true)
            .setCommentCount(1)
            .setBumpCount(1)
            .addBumpedBy(READER)
            .build());
  }

  @Test
  void rejectsCommandWithoutKind() {
    fixture.given(published())
        .when(command(READER).build())
        .thenRejected("COMMAND_EMPTY", POST);
  }

  @Test
  void rejectsCommandWithoutDriver() {
    fixture.given(published())
        .when(command("").setBump(BumpPost.getDefaultInstance()).build())
        .thenRejected("DRIVER_REQUIRED", POST);
  }

  @Test
  void refusesToEvolveEventWithoutKind() {
    assertThatThrownBy(() -> new Post().evolve(publishedPost().build(), PostEvent.getDefaultInstance()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("KIND_NOT_SET");
  }

  private static PostCommand.Builder command(String driverId) {
    return PostCommand.newBuilder().setPostId(POST).setDriverId(driverId);
  }

  /** A publish command sent by {@link #AUTHOR}. */
  private static PostCommand publish(String tribeId, String title, String body) {
    return command(AUTHOR)
        .setPublish(PublishPost.newBuilder().setTribeId(tribeId).setTitle(title).setBody(body))
        .build();
  }

  private static PostCommand edit(String driverId, String title, String body) {
    return command(driverId).setEdit(EditPost.newBuilder().setTitle(title).setBody(body)).build();
  }

  private static PostCommand comment(String driverId, String commentId, String text) {
    return command(driverId).setComment(AddComment.newBuilder().setCommentId(commentId).setText(text)).build();
  }

  private static PostCommand bump(String driverId) {
    return command(driverId).setBump(BumpPost.getDefaultInstance()).build();
  }

  private static PostCommand archive(String driverId) {
    return command(driverId).setArchive(ArchivePost.getDefaultInstance()).build();
  }

  /** {@link #AUTHOR} published {@link #TITLE} in {@link #TRIBE}. */
  private static PostEvent published() {
    return published(TITLE, BODY);
  }

  private static PostEvent published(String title, String body) {
    return PostEvent.newBuilder()
        .setPublished(PostPublished.newBuilder()
            .setPostId(POST)
            .setTribeId(TRIBE)
            .setAuthorId(AUTHOR)
            .setTitle(title)
            .setBody(body))
        .build();
  }

  private static PostEvent edited(String title, String body) {
    return PostEvent.newBuilder()
        .setEdited(PostEdited.newBuilder().setPostId(POST).setTitle(title).setBody(body))
        .build();
  }

  private static PostEvent commentAdded(String driverId, String commentId, String text) {
    return PostEvent.newBuilder()
        .setCommentAdded(CommentAdded.newBuilder()
            .setPostId(POST)
            .setCommentId(commentId)
            .setAuthorId(driverId)
            .setText(text))
        .build();
  }

  private static PostEvent bumped(String driverId) {
    return PostEvent.newBuilder()
        .setBumped(PostBumped.newBuilder().setPostId(POST).setDriverId(driverId))
        .build();
  }

  private static PostEvent archived() {
    return PostEvent.newBuilder().setArchived(PostArchived.newBuilder().setPostId(POST)).build();
  }

  /** The state right after {@link #published()}; tests add what happened since. */
  private static PostState.Builder publishedPost() {
    return PostState.newBuilder()
        .setExists(true)
        .setTribeId(TRIBE)
        .setAuthorId(AUTHOR)
        .setTitle(TITLE)
        .setBody(BODY);
  }
}
