package io.tributary.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.sample.post.v1.BumpPost;
import io.tributary.sample.post.v1.PostCommand;
import io.tributary.sample.tribe.v1.JoinTribe;
import io.tributary.sample.tribe.v1.TribeCommand;
import org.junit.jupiter.api.Test;

class DriversServiceTest {
  private final ServiceDefinition service = DriversService.definition();

  @Test
  void buildsServiceNamedDrivers() {
    assertThat(service.name()).isEqualTo("drivers");
  }

  @Test
  void listsPostAndTribe() {
    assertThat(service.aggregates()).extracting(AggregateType::name).containsExactly("Post", "Tribe");
  }

  @Test
  void registersCodecsForBothAggregatesAndEveryQuery() {
    assertThat(service.codecs().typeNames()).containsExactlyInAnyOrder(
        "tributary.sample.api.v1.FeedRequest",
        "tributary.sample.api.v1.GetPostRequest",
        "tributary.sample.api.v1.GetTribeRequest",
        "tributary.sample.api.v1.PostList",
        "tributary.sample.api.v1.PostPage",
        "tributary.sample.api.v1.SearchPostsRequest",
        "tributary.sample.api.v1.TopPostsRequest",
        "tributary.sample.api.v1.TribePage",
        "tributary.sample.post.v1.PostCommand",
        "tributary.sample.post.v1.PostEvent",
        "tributary.sample.post.v1.PostState",
        "tributary.sample.tribe.v1.TribeCommand",
        "tributary.sample.tribe.v1.TribeEvent",
        "tributary.sample.tribe.v1.TribeState");
  }

  @Test
  void routesPostCommandsByPostId() {
    PostCommand bump = PostCommand.newBuilder()
        .setPostId("post-stelvio")
        .setDriverId("driver-ben")
        .setBump(BumpPost.getDefaultInstance())
        .build();

    assertThat(aggregate("Post", PostCommand.class).aggregateId(bump)).isEqualTo("post-stelvio");
  }

  @Test
  void routesTribeCommandsByTribeId() {
    TribeCommand join = TribeCommand.newBuilder()
        .setTribeId("tribe-alpine-passes")
        .setDriverId("driver-ben")
        .setJoin(JoinTribe.getDefaultInstance())
        .build();

    assertThat(aggregate("Tribe", TribeCommand.class).aggregateId(join)).isEqualTo("tribe-alpine-passes");
  }

  /** The registered aggregate {@code name}, typed by its command class, which the check confirms. */
  @SuppressWarnings("unchecked")
  private <C extends Message> AggregateType<C, ?, ?> aggregate(String name, Class<C> commandType) {
    AggregateType<?, ?, ?> type = service.aggregate(name);
    assertThat(type.commandCodec().valueType()).isEqualTo(commandType);
    return (AggregateType<C, ?, ?>) type;
  }
}
