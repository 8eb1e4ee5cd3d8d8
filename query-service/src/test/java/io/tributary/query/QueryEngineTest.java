package io.tributary.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.codec.ProtobufCodec;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.definition.QueryDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.DefinitionException;
import io.tributary.query.test.posts.v1.GetPost;
import io.tributary.query.test.posts.v1.Post;
import io.tributary.query.test.posts.v1.PostPublished;
import io.tributary.query.test.posts.v1.PostState;
import io.tributary.query.test.posts.v1.PublishPost;
import io.tributary.query.test.posts.v1.TopPosts;
import io.tributary.query.test.posts.v1.RankedPosts;
import org.junit.jupiter.api.Test;

/** The engine's build-time checks and its behind message; the reads themselves are in {@link QueryServiceIT}. */
class QueryEngineTest {
  private static final QueryDefinition<GetPost, Post> POST_BY_ID =
      QueryDefinition.of("post-by-id", GetPost.getDefaultInstance(), Post.getDefaultInstance());
  private static final QueryDefinition<TopPosts, RankedPosts> TOP_POSTS =
      QueryDefinition.of("top-posts", TopPosts.getDefaultInstance(), RankedPosts.getDefaultInstance());

  @Test
  void buildListsEveryProblemWithItsFix() {
    ServiceDefinition service = service(POST_BY_ID);

    assertThatThrownBy(() -> QueryEngine.builder(service)
            .query(RegisteredQuery.of(TOP_POSTS, (request, views) -> RankedPosts.getDefaultInstance(), "post-pages"))
            .build())
        .isInstanceOfSatisfying(DefinitionException.class, e -> assertThat(e.problems()).containsExactly(
            "Query 'top-posts' is not declared by service 'posts' (it declares [post-by-id]): declare it with"
                + " ServiceDefinition.builder(...).query(...).",
            "Query 'top-posts' reads projection 'post-pages', which no store holds: add it with"
                + " QueryEngine.builder(...).redis(versions, reader, \"post-pages\") or .elasticsearch(...).",
            "Query 'post-by-id' is declared by service 'posts' but has no handler: register it with"
                + " QueryEngine.builder(...).query(RegisteredQuery.of(definition, handler, projections...))."));
  }

  @Test
  void aQueryMustNameTheProjectionsItReads() {
    assertThatThrownBy(() -> RegisteredQuery.of(POST_BY_ID, (request, views) -> Post.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Query 'post-by-id' reads no projection");
  }

  @Test
  void behindNamesTheViewThePartitionAndTheGap() {
    ViewBehindException behind = new ViewBehindException("post-pages", 3, 2, 10, 25);

    assertThat(behind.getMessage())
        .isEqualTo("view 'post-pages' v3 is behind on partition 2: at offset 10, the token needs 25 (15 events); retry later");
    assertThat(behind.eventsBehind()).isEqualTo(15);
    assertThat(behind.isTransient()).isTrue();
  }

  private static ServiceDefinition service(QueryDefinition<?, ?> query) {
    return ServiceDefinition.builder("posts")
        .aggregate(AggregateDefinition.of("Post", new Aggregate<PublishPost, PostState, PostPublished>() {
              @Override
              public PostState initialState() {
                return PostState.getDefaultInstance();
              }

              @Override
              public Decision<PostPublished> decide(PublishPost command, PostState state) {
                return Decision.accept(PostPublished.getDefaultInstance());
              }

              @Override
              public PostState evolve(PostState state, PostPublished event) {
                return state;
              }
            })
            .commands(PublishPost.getDefaultInstance())
            .events(PostPublished.getDefaultInstance())
            .state(ProtobufCodec.of(PostState.getDefaultInstance()))
            .keyedBy(PublishPost::getPostId))
        .query(query)
        .build();
  }
}
