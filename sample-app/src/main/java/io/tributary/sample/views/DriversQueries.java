package io.tributary.sample.views;

import static io.tributary.sample.views.ViewKeys.driverTribes;
import static io.tributary.sample.views.ViewKeys.post;
import static io.tributary.sample.views.ViewKeys.postComments;
import static io.tributary.sample.views.ViewKeys.recentPosts;
import static io.tributary.sample.views.ViewKeys.topPosts;
import static io.tributary.sample.views.ViewKeys.tribe;

import io.tributary.core.definition.QueryDefinition;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.redis.RedisViewReader.ScoredMember;
import io.tributary.query.InvalidQueryException;
import io.tributary.query.ReadModels;
import io.tributary.query.RegisteredQuery;
import io.tributary.sample.api.v1.FeedRequest;
import io.tributary.sample.api.v1.GetPostRequest;
import io.tributary.sample.api.v1.GetTribeRequest;
import io.tributary.sample.api.v1.PostList;
import io.tributary.sample.api.v1.PostPage;
import io.tributary.sample.api.v1.PostSummary;
import io.tributary.sample.api.v1.SearchPostsRequest;
import io.tributary.sample.api.v1.TopPostsRequest;
import io.tributary.sample.api.v1.TribePage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The drivers service's queries: their declarations (for the service definition) and their
 * handlers over the read models of {@link TribePages}, {@link PostPages} and {@link PostSearch}.
 * A tribe or post that is not in the views comes back as an empty page (no id); the typed API
 * turns that into NOT_FOUND.
 */
public final class DriversQueries {
  /** The default and the largest page of a list query. */
  public static final int DEFAULT_LIMIT = 10;

  public static final int MAX_LIMIT = 100;

  public static final QueryDefinition<GetTribeRequest, TribePage> GET_TRIBE =
      QueryDefinition.of("get-tribe", GetTribeRequest.getDefaultInstance(), TribePage.getDefaultInstance());
  public static final QueryDefinition<GetPostRequest, PostPage> GET_POST =
      QueryDefinition.of("get-post", GetPostRequest.getDefaultInstance(), PostPage.getDefaultInstance());
  public static final QueryDefinition<TopPostsRequest, PostList> TOP_POSTS =
      QueryDefinition.of("top-posts", TopPostsRequest.getDefaultInstance(), PostList.getDefaultInstance());
  public static final QueryDefinition<FeedRequest, PostList> FEED =
      QueryDefinition.of("feed", FeedRequest.getDefaultInstance(), PostList.getDefaultInstance());
  public static final QueryDefinition<SearchPostsRequest, PostList> SEARCH_POSTS =
      QueryDefinition.of("search-posts", SearchPostsRequest.getDefaultInstance(), PostList.getDefaultInstance());

  private static final List<String> SEARCH_FIELDS = List.of("title^2", "body");

  private DriversQueries() {}

  /** @return every query with its handler and the projections it reads */
  public static List<RegisteredQuery<?, ?>> all() {
    return List.of(
        RegisteredQuery.of(GET_TRIBE, DriversQueries::tribePage, TribePages.NAME),
        RegisteredQuery.of(GET_POST, DriversQueries::postPage, PostPages.NAME),
        RegisteredQuery.of(TOP_POSTS, DriversQueries::topPostsOf, PostPages.NAME),
        RegisteredQuery.of(FEED, DriversQueries::feedOf, TribePages.NAME, PostPages.NAME),
        RegisteredQuery.of(SEARCH_POSTS, DriversQueries::search, PostSearch.NAME, PostPages.NAME));
  }

  static TribePage tribePage(GetTribeRequest request, ReadModels views) {
    String id = required("GetTribeRequest.tribe_id", request.getTribeId());
    SortedMap<String, String> page = views.redis(TribePages.NAME).fields(tribe(id));
    if (page.isEmpty()) {
      return TribePage.getDefaultInstance();
    }
    return TribePage.newBuilder()
        .setTribeId(id)
        .setName(page.getOrDefault("name", ""))
        .setDescription(page.getOrDefault("description", ""))
        .setFounderId(page.getOrDefault("founder_id", ""))
        .setMemberCount(number(page.get("member_count")))
        .build();
  }

  static PostPage postPage(GetPostRequest request, ReadModels views) {
    String id = required("GetPostRequest.post_id", request.getPostId());
    RedisViewReader.View posts = views.redis(PostPages.NAME);
    SortedMap<String, String> page = posts.fields(post(id));
    if (page.isEmpty()) {
      return PostPage.getDefaultInstance();
    }
    return PostPage.newBuilder()
        .setPostId(id)
        .setTribeId(page.getOrDefault("tribe_id", ""))
        .setAuthorId(page.getOrDefault("author_id", ""))
        .setTitle(page.getOrDefault("title", ""))
        .setBody(page.getOrDefault("body", ""))
        .setBumps(number(page.get("bumps")))
        .setComments(number(page.get("comments")))
        .setArchived(Boolean.parseBoolean(page.get("archived")))
        .setPublishedAtMillis(number(page.get("published_at")))
        .putAllCommentTexts(posts.fields(postComments(id)))
        .build();
  }

  static PostList topPostsOf(TopPostsRequest request, ReadModels views) {
    String tribeId = required("TopPostsRequest.tribe_id", request.getTribeId());
    int limit = limit("TopPostsRequest", request.getLimit());
    RedisViewReader.View posts = views.redis(PostPages.NAME);
    return list(posts, posts.range(topPosts(tribeId), 0, limit - 1, true));
  }

  static PostList feedOf(FeedRequest request, ReadModels views) {
    String driverId = required("FeedRequest.driver_id", request.getDriverId());
    int limit = limit("FeedRequest", request.getLimit());
    RedisViewReader.View posts = views.redis(PostPages.NAME);
    List<ScoredMember> newest = new ArrayList<>();
    for (String tribeId : views.redis(TribePages.NAME).fields(driverTribes(driverId)).keySet()) {
      newest.addAll(posts.range(recentPosts(tribeId), 0, limit - 1, true));
    }
    newest.sort(Comparator.comparingDouble(ScoredMember::score).reversed().thenComparing(ScoredMember::member));
    return list(posts, newest.subList(0, Math.min(limit, newest.size())));
  }

  static PostList search(SearchPostsRequest request, ReadModels views) {
    String text = required("SearchPostsRequest.text", request.getText());
    int limit = limit("SearchPostsRequest", request.getLimit());
    RedisViewReader.View posts = views.redis(PostPages.NAME);
    List<ScoredMember> hits = views.search(PostSearch.NAME).search(ViewKeys.POSTS_INDEX, text, SEARCH_FIELDS, 0, limit)
        .stream().map(hit -> new ScoredMember(hit.id(), hit.score())).toList();
    return list(posts, hits);
  }

  private static PostList list(RedisViewReader.View posts, List<ScoredMember> members) {
    PostList.Builder list = PostList.newBuilder();
    for (ScoredMember member : members) {
      Map<String, String> page = posts.fields(post(member.member()));
      list.addPosts(PostSummary.newBuilder()
          .setPostId(member.member())
          .setTribeId(page.getOrDefault("tribe_id", ""))
          .setTitle(page.getOrDefault("title", ""))
          .setBumps(number(page.get("bumps")))
          .setScore(member.score()));
    }
    return list.build();
  }

  private static String required(String field, String value) {
    if (value.isBlank()) {
      throw new InvalidQueryException(field + " is missing; set it to the id to read.");
    }
    return value;
  }

  private static int limit(String message, int limit) {
    if (limit < 0 || limit > MAX_LIMIT) {
      throw new InvalidQueryException(message + ".limit is " + limit + "; use 1 to " + MAX_LIMIT
          + ", or 0 for " + DEFAULT_LIMIT + ".");
    }
    return limit == 0 ? DEFAULT_LIMIT : limit;
  }

  private static long number(String value) {
    return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
  }
}
