package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import io.tributary.projection.redis.RedisViewReader;

/**
 * The read models one query may read: the live version of each projection it declared, resolved
 * once when the query began (through {@link io.tributary.projection.sink.ViewVersions#live}), so
 * every read of one query sees the same versions as the positions reported with its reply.
 *
 * <p>Not thread-safe beyond the query it was made for; do not keep it after the handler returns.
 */
@Experimental
public interface ReadModels {

  /**
   * @param projection a projection the query declared, kept in Redis
   * @return reads of its live version's keys
   * @throws IllegalArgumentException if the query did not declare {@code projection} or it is not
   *     kept in Redis; the message lists what the query may read
   */
  RedisViewReader.View redis(String projection);

  /**
   * @param projection a projection the query declared, kept in Elasticsearch
   * @return documents and searches through the logical index names of its live version
   * @throws IllegalArgumentException if the query did not declare {@code projection} or it is not
   *     kept in Elasticsearch; the message lists what the query may read
   */
  SearchView search(String projection);
}
