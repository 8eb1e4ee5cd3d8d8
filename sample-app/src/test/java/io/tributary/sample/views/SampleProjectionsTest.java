package io.tributary.sample.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.core.codec.ProtobufCodec;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.DeleteDocument;
import io.tributary.projection.sink.ViewUpdate.Increment;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.RemoveFields;
import io.tributary.projection.sink.ViewUpdate.ScoreAdd;
import io.tributary.projection.sink.ViewUpdate.ScoreIncrement;
import io.tributary.projection.sink.ViewUpdate.ScoreRemove;
import io.tributary.sample.DriversService;
import io.tributary.sample.post.v1.PostArchived;
import io.tributary.sample.post.v1.PostBumped;
import io.tributary.sample.post.v1.PostEdited;
import io.tributary.sample.post.v1.PostEvent;
import io.tributary.sample.post.v1.PostPublished;
import io.tributary.sample.tribe.v1.MemberJoined;
import io.tributary.sample.tribe.v1.MemberLeft;
import io.tributary.sample.tribe.v1.TribeCreated;
import io.tributary.sample.tribe.v1.TribeEvent;
import io.tributary.sample.views.v1.PostRef;
import io.tributary.testkit.ProjectionFixture;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SampleProjectionsTest {
  private static final PostEvent PUBLISHED = PostEvent.newBuilder().setPublished(PostPublished.newBuilder()
      .setPostId("p1").setTribeId("t1").setAuthorId("d1").setTitle("Snow tyres").setBody("Worth it?")).build();
  private static final PostEvent BUMPED =
      PostEvent.newBuilder().setBumped(PostBumped.newBuilder().setPostId("p1").setDriverId("d2")).build();

  @Test
  void tribePagesCountMembersAndListEachDriversTribes() {
    var fixture = ProjectionFixture.of(DriversService.definition(), TribePages.DEFINITION);
    assertThat(fixture.project("Tribe", "t1", TribeEvent.newBuilder().setCreated(TribeCreated.newBuilder()
        .setTribeId("t1").setName("Alps").setDescription("Passes").setFounderId("d1")).build()))
        .containsExactly(
            new PutFields("tribe:t1", Map.of("tribe_id", "t1", "name", "Alps", "description", "Passes",
                "founder_id", "d1")),
            new Increment("tribe:t1", "member_count", 1),
            new PutFields("tribe:t1:members", Map.of("d1", "1")),
            new PutFields("driver:d1:tribes", Map.of("t1", "1")));
    assertThat(fixture.project("Tribe", "t1", TribeEvent.newBuilder()
        .setMemberJoined(MemberJoined.newBuilder().setTribeId("t1").setDriverId("d2")).build()))
        .contains(new Increment("tribe:t1", "member_count", 1), new PutFields("driver:d2:tribes", Map.of("t1", "1")));
    assertThat(fixture.project("Tribe", "t1", TribeEvent.newBuilder()
        .setMemberLeft(MemberLeft.newBuilder().setTribeId("t1").setDriverId("d2")).build()))
        .containsExactly(
            new Increment("tribe:t1", "member_count", -1),
            new RemoveFields("tribe:t1:members", Set.of("d2")),
            new RemoveFields("driver:d2:tribes", Set.of("t1")));
  }

  @Test
  void postPagesRememberTheTribeSoABumpMovesThePostInItsTopPosts() {
    var fixture = ProjectionFixture.of(DriversService.definition(), PostPages.DEFINITION);
    assertThat(fixture.project("Post", "p1", PUBLISHED))
        .contains(new ScoreAdd("tribe:t1:top-posts", "p1", 0))
        .anySatisfy(update -> assertThat(update).isInstanceOfSatisfying(PutFields.class,
            put -> assertThat(put.fields()).containsEntry("bumps", "0").containsEntry("tribe_id", "t1")));
    assertThat(fixture.state("p1", ProtobufCodec.of(PostRef.getDefaultInstance())))
        .contains(PostRef.newBuilder().setTribeId("t1").build());

    assertThat(fixture.project("Post", "p1", BUMPED)).containsExactly(
        new Increment("post:p1", "bumps", 1), new ScoreIncrement("tribe:t1:top-posts", "p1", 1));
    assertThat(fixture.project("Post", "p1", PostEvent.newBuilder()
        .setArchived(PostArchived.newBuilder().setPostId("p1")).build()))
        .contains(new ScoreRemove("tribe:t1:top-posts", "p1"), new ScoreRemove("tribe:t1:recent-posts", "p1"));
  }

  @Test
  void aBumpWithoutItsPublicationFailsNamingTheRemedy() {
    var fixture = ProjectionFixture.of(DriversService.definition(), PostPages.DEFINITION);
    assertThatThrownBy(() -> fixture.project("Post", "p1", BUMPED))
        .hasMessageContaining("p1").hasMessageContaining("Rebuild");
  }

  @Test
  void postSearchRewritesTheWholeDocumentOnEditAndDropsArchivedPosts() {
    var fixture = ProjectionFixture.of(DriversService.definition(), PostSearch.DEFINITION);
    fixture.project("Post", "p1", PUBLISHED);
    var edited = fixture.project("Post", "p1", PostEvent.newBuilder()
        .setEdited(PostEdited.newBuilder().setPostId("p1").setTitle("Winter tyres").setBody("Yes")).build());
    assertThat(edited).singleElement().isInstanceOfSatisfying(PutDocument.class, put -> {
      assertThat(put.index()).isEqualTo("posts");
      assertThat(put.json()).contains("\"title\":\"Winter tyres\"", "\"tribe_id\":\"t1\"", "\"author_id\":\"d1\"");
    });
    assertThat(fixture.project("Post", "p1", BUMPED)).isEmpty();
    assertThat(fixture.project("Post", "p1", PostEvent.newBuilder()
        .setArchived(PostArchived.newBuilder().setPostId("p1")).build()))
        .containsExactly((ViewUpdate) new DeleteDocument("posts", "p1"));
  }
}
