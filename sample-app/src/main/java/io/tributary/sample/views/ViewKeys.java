package io.tributary.sample.views;

/**
 * The Redis keys and the Elasticsearch index of the drivers service's read models, written by the
 * projections and read by the queries. Keys carry no version prefix: the sink and the readers add
 * the prefix of the version they write or read.
 */
public final class ViewKeys {
  /** The logical Elasticsearch index of posts; an alias of the live version's index. */
  public static final String POSTS_INDEX = "posts";

  /** The Elasticsearch mapping of {@link #POSTS_INDEX}. */
  public static final String POSTS_MAPPING = """
      {"properties": {
        "post_id": {"type": "keyword"},
        "tribe_id": {"type": "keyword"},
        "author_id": {"type": "keyword"},
        "title": {"type": "text"},
        "body": {"type": "text"},
        "published_at": {"type": "date", "format": "epoch_millis"}
      }}""";

  private ViewKeys() {}

  /** @return the hash of a tribe's page: name, description, founder_id, member_count */
  public static String tribe(String tribeId) {
    return "tribe:" + tribeId;
  }

  /** @return the hash of a tribe's members: driver id to "1" */
  public static String tribeMembers(String tribeId) {
    return "tribe:" + tribeId + ":members";
  }

  /** @return the hash of the tribes a driver belongs to: tribe id to "1" */
  public static String driverTribes(String driverId) {
    return "driver:" + driverId + ":tribes";
  }

  /** @return the hash of a post's page: title, body, author_id, tribe_id, published_at, bumps, comments, archived */
  public static String post(String postId) {
    return "post:" + postId;
  }

  /** @return the hash of a post's comments: comment id to "author_id: text" */
  public static String postComments(String postId) {
    return "post:" + postId + ":comments";
  }

  /** @return the sorted set of a tribe's live posts scored by bumps */
  public static String topPosts(String tribeId) {
    return "tribe:" + tribeId + ":top-posts";
  }

  /** @return the sorted set of a tribe's live posts scored by publication time (epoch millis) */
  public static String recentPosts(String tribeId) {
    return "tribe:" + tribeId + ":recent-posts";
  }
}
