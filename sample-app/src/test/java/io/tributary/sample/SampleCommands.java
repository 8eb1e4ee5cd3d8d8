package io.tributary.sample;

import io.tributary.sample.post.v1.AddComment;
import io.tributary.sample.post.v1.ArchivePost;
import io.tributary.sample.post.v1.BumpPost;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.post.v1.PublishPost;
import io.tributary.sample.tribe.v1.CreateTribe;
import io.tributary.sample.tribe.v1.JoinTribe;
import io.tributary.sample.tribe.v1.TribeCommand;

/** The sample's commands, built the way a client builds them, for the app's integration tests. */
final class SampleCommands {
  private SampleCommands() {}

  static TribeCommand create(String tribeId, String founderId, String name) {
    return TribeCommand.newBuilder().setTribeId(tribeId).setDriverId(founderId)
        .setCreate(CreateTribe.newBuilder().setName(name)).build();
  }

  static TribeCommand join(String tribeId, String driverId) {
    return TribeCommand.newBuilder().setTribeId(tribeId).setDriverId(driverId)
        .setJoin(JoinTribe.getDefaultInstance()).build();
  }

  static PostCommand publish(String postId, String authorId, String tribeId) {
    return publish(postId, authorId, tribeId, "Stelvio at dawn", "48 hairpins");
  }

  static PostCommand bump(String postId, String driverId) {
    return PostCommand.newBuilder().setPostId(postId).setDriverId(driverId)
        .setBump(BumpPost.getDefaultInstance()).build();
  }

  static PostCommand archive(String postId, String driverId) {
    return PostCommand.newBuilder().setPostId(postId).setDriverId(driverId)
        .setArchive(ArchivePost.getDefaultInstance()).build();
  }

  static PostCommand publish(String postId, String authorId, String tribeId, String title, String body) {
    return PostCommand.newBuilder().setPostId(postId).setDriverId(authorId)
        .setPublish(PublishPost.newBuilder().setTribeId(tribeId).setTitle(title).setBody(body)).build();
  }

  static PostCommand comment(String postId, String driverId, String commentId, String text) {
    return PostCommand.newBuilder().setPostId(postId).setDriverId(driverId)
        .setComment(AddComment.newBuilder().setCommentId(commentId).setText(text)).build();
  }
}
