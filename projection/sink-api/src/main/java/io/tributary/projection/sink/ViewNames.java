package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;

/**
 * Where each version of a projection keeps its views, so writers (the runner's sinks) and readers
 * (the query service) agree without configuration.
 *
 * <ul>
 *   <li>Positions are kept under {@link #positionsId}: {@code <projection>.v<version>}.
 *   <li>Redis: every key of a version starts with {@link #redisPrefix}: {@code
 *       <base><projection>:v<version>:}; the live pointer is {@link #redisLiveKey}.
 *   <li>Elasticsearch: a projection writes to logical index names; version {@code N} stores them in
 *       {@link #elasticsearchIndex} {@code <logical>-v<N>}, and the logical name is an alias of the
 *       live version's index.
 * </ul>
 */
@Evolving
public final class ViewNames {
  private ViewNames() {}

  /** @return the name positions and snapshots of {@code version} are kept under */
  public static String positionsId(String projection, int version) {
    return projection + ".v" + version;
  }

  /** @return the prefix of every Redis key of {@code version}, under the deployment's {@code base} prefix */
  public static String redisPrefix(String base, String projection, int version) {
    return base + projection + ":v" + version + ":";
  }

  /** @return the Redis key holding the live version of {@code projection} as a decimal string */
  public static String redisLiveKey(String base, String projection) {
    return base + "tributary:live:" + projection;
  }

  /** @return the physical Elasticsearch index behind logical index {@code logical} in {@code version} */
  public static String elasticsearchIndex(String logical, int version) {
    return logical + "-v" + version;
  }
}
