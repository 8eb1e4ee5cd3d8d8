package io.tributary.projection.redis;

import io.tributary.core.annotation.Evolving;
import io.tributary.projection.sink.ViewNames;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RedisViewSink}. Immutable; change one with a {@code withX} copy.
 *
 * @param keyPrefix put before every view key and before the positions key, so that a rebuild can
 *     write a new version of the views beside the old one (for example {@code "posts:v2:"}); may be
 *     empty
 * @param commandTimeout how long one script call may take before it fails as transient; bounds the
 *     batch size a caller can send, since a batch is one script
 */
@Evolving
public record RedisViewSinkSettings(String keyPrefix, Duration commandTimeout) {

  /** @throws IllegalArgumentException if the timeout is not positive */
  public RedisViewSinkSettings {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("commandTimeout must be positive, was " + commandTimeout);
    }
  }

  /** @return no key prefix and a 10 second command timeout */
  public static RedisViewSinkSettings defaults() {
    return new RedisViewSinkSettings("", Duration.ofSeconds(10));
  }

  /**
   * @return default settings whose key prefix is {@link ViewNames#redisPrefix}{@code (base, projection,
   *     version)}, so the sink writes the views and positions of that version where {@link
   *     RedisViewVersions} publishes and drops them
   * @throws IllegalArgumentException if {@code version} is below 1
   */
  public static RedisViewSinkSettings forVersion(String base, String projection, int version) {
    if (version < 1) {
      throw new IllegalArgumentException("Version " + version + " of projection '" + projection
          + "' is not a projection version; versions start at 1.");
    }
    return defaults().withKeyPrefix(ViewNames.redisPrefix(base, projection, version));
  }

  /** @return a copy with {@code keyPrefix} */
  public RedisViewSinkSettings withKeyPrefix(String keyPrefix) {
    return new RedisViewSinkSettings(keyPrefix, commandTimeout);
  }

  /** @return a copy with {@code commandTimeout} */
  public RedisViewSinkSettings withCommandTimeout(Duration commandTimeout) {
    return new RedisViewSinkSettings(keyPrefix, commandTimeout);
  }

  /** @return the hash that holds the positions of {@code projection}, one field per partition */
  public String positionsKey(String projection) {
    return keyPrefix + "tributary:positions:" + projection;
  }
}
