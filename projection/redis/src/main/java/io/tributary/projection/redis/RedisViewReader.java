package io.tributary.projection.redis;

import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.sink.ViewNames;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Reads the views a {@link RedisViewSink} wrote, one projection version at a time. {@link #at}
 * gives the reads of one version: keys are passed as the projection wrote them, without any prefix,
 * and the reader puts {@link ViewNames#redisPrefix} in front, so a query never sees (nor mixes) the
 * namespaces of two versions.
 *
 * <p>Read-only: nothing here writes to Redis. Which version is live is not decided here; ask the
 * projection's {@link io.tributary.projection.sink.ViewVersions}.
 *
 * <p><b>Errors</b>, as the sink maps them: {@link TransientException} when Redis cannot be reached,
 * times out or answers busy/loading (retry later); {@link PermanentException} when a key holds
 * another type than the read needs (the view is not what the reader expects: a bug to fix).
 *
 * <p><b>Threading.</b> Thread-safe: one Lettuce connection, which serialises commands. The
 * connection belongs to the caller, who closes it.
 */
@Evolving
public final class RedisViewReader {

  private final StatefulRedisConnection<String, String> connection;
  private final String basePrefix;

  private RedisViewReader(StatefulRedisConnection<String, String> connection, String basePrefix) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.basePrefix = Objects.requireNonNull(basePrefix, "basePrefix");
  }

  /**
   * @param connection a connection with a {@code String} (UTF-8) codec; owned and closed by the caller
   * @param basePrefix the deployment's base prefix, the {@code base} of {@link ViewNames#redisPrefix};
   *     may be empty
   */
  public static RedisViewReader over(StatefulRedisConnection<String, String> connection, String basePrefix) {
    return new RedisViewReader(connection, basePrefix);
  }

  /** @return the deployment's base key prefix */
  public String basePrefix() {
    return basePrefix;
  }

  /**
   * @param projection the projection's stable name
   * @param version the version whose keys to read, 1 or more
   * @return reads of that version's keys; cheap, holds no resources
   * @throws IllegalArgumentException if the projection is empty or the version is below 1
   */
  public View at(String projection, int version) {
    Objects.requireNonNull(projection, "projection");
    if (projection.isEmpty()) {
      throw new IllegalArgumentException("projection must not be empty");
    }
    if (version < 1) {
      throw new IllegalArgumentException("version of projection '" + projection + "' must be 1 or more, was " + version);
    }
    return new View(projection, version, ViewNames.redisPrefix(basePrefix, projection, version));
  }

  /**
   * One member of a sorted set with its score.
   *
   * @param member the member
   * @param score its score
   */
  public record ScoredMember(String member, double score) {
    public ScoredMember {
      Objects.requireNonNull(member, "member");
    }
  }

  /**
   * The reads of one version of one projection. Immutable; every call reads Redis afresh, so two
   * calls may see different states if the projection writes in between.
   */
  public final class View {
    private final String projection;
    private final int version;
    private final String prefix;

    private View(String projection, int version, String prefix) {
      this.projection = projection;
      this.version = version;
      this.prefix = prefix;
    }

    /** @return the projection read */
    public String projection() {
      return projection;
    }

    /** @return the version read */
    public int version() {
      return version;
    }

    /** @return the prefix put before every key, {@code <base><projection>:v<version>:} */
    public String prefix() {
      return prefix;
    }

    /**
     * @return the string value at {@code key}; empty if the key does not exist
     * @throws PermanentException if the key holds another type than a string
     */
    public Optional<String> value(String key) {
      String full = full(key);
      return Optional.ofNullable(call("the value of " + full, () -> connection.sync().get(full)));
    }

    /**
     * @return every field of the hash at {@code key}, sorted by field; empty if the key does not exist
     * @throws PermanentException if the key holds another type than a hash
     */
    public SortedMap<String, String> fields(String key) {
      String full = full(key);
      Map<String, String> fields = call("the fields of hash " + full, () -> connection.sync().hgetall(full));
      return new TreeMap<>(fields == null ? Map.of() : fields);
    }

    /**
     * @return field {@code field} of the hash at {@code key}; empty if the key or the field does not exist
     * @throws PermanentException if the key holds another type than a hash
     */
    public Optional<String> field(String key, String field) {
      Objects.requireNonNull(field, "field");
      String full = full(key);
      return Optional.ofNullable(call("field " + field + " of hash " + full, () -> connection.sync().hget(full, field)));
    }

    /**
     * Reads members of the sorted set at {@code key} by rank, as Redis' {@code ZRANGE}: ranks count
     * from 0 and negative ranks from the end ({@code -1} is the last), both ends inclusive.
     *
     * @param descending {@code true} to rank from the highest score down, {@code false} from the lowest up
     * @return the members with their scores, in rank order; empty if the key does not exist
     * @throws PermanentException if the key holds another type than a sorted set
     */
    public List<ScoredMember> range(String key, long start, long stop, boolean descending) {
      String full = full(key);
      List<ScoredValue<String>> scored = call("ranks " + start + ".." + stop + " of sorted set " + full,
          () -> descending
              ? connection.sync().zrevrangeWithScores(full, start, stop)
              : connection.sync().zrangeWithScores(full, start, stop));
      return scored.stream().map(value -> new ScoredMember(value.getValue(), value.getScore())).toList();
    }

    /**
     * @return the number of members of the sorted set at {@code key} scored within {@code [min, max]}
     * @throws PermanentException if the key holds another type than a sorted set
     */
    public long count(String key, double min, double max) {
      String full = full(key);
      Long count = call("the members of sorted set " + full, () -> connection.sync().zcount(full, Range.create(min, max)));
      return count == null ? 0 : count;
    }

    /**
     * The positions this version's sink holds: the offset of the last applied event per events
     * partition, read from the hash {@link RedisViewSink} writes ({@link
     * RedisViewSinkSettings#positionsKey} of {@link ViewNames#positionsId} under this prefix).
     *
     * @return partition to offset, sorted by partition; empty if nothing was applied yet
     * @throws PermanentException if the hash holds something that is not a partition and an offset
     */
    public SortedMap<Integer, Long> positions() {
      String key = positionsKey();
      Map<String, String> stored = call("the positions hash " + key, () -> connection.sync().hgetall(key));
      SortedMap<Integer, Long> positions = new TreeMap<>();
      if (stored != null) {
        stored.forEach((partition, offset) -> positions.put(parsePartition(key, partition), parseOffset(key, partition, offset)));
      }
      return positions;
    }

    /**
     * @return the offset of the last event applied from {@code partition}; empty if none
     * @throws PermanentException if the stored value is not an offset
     */
    public OptionalLong position(int partition) {
      String key = positionsKey();
      String field = Integer.toString(partition);
      String stored = call("field " + field + " of the positions hash " + key, () -> connection.sync().hget(key, field));
      return stored == null ? OptionalLong.empty() : OptionalLong.of(parseOffset(key, field, stored));
    }

    /** @return the hash the sink of this version keeps its positions in */
    public String positionsKey() {
      return RedisViewSinkSettings.defaults().withKeyPrefix(prefix).positionsKey(ViewNames.positionsId(projection, version));
    }

    private String full(String key) {
      Objects.requireNonNull(key, "key");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("key must not be empty (projection '" + projection + "' v" + version + ")");
      }
      return prefix + key;
    }

    private <T> @Nullable T call(String what, Supplier<@Nullable T> command) {
      try {
        return command.get();
      } catch (RedisCommandExecutionException e) {
        String message = e.getMessage();
        if (message != null && (message.startsWith("BUSY") || message.startsWith("LOADING")
            || message.startsWith("TRYAGAIN") || message.startsWith("CLUSTERDOWN") || message.startsWith("MASTERDOWN"))) {
          throw new TransientException("Redis is busy or not ready to read " + what + " (projection '" + projection
              + "' v" + version + "): " + message + ". Retry later.", e);
        }
        throw new PermanentException("Redis refused to read " + what + " (projection '" + projection + "' v"
            + version + "): " + message + ". The key holds another type than this read needs; read it the way the"
            + " projection writes it.", e);
      } catch (RedisCommandInterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientException("Interrupted while reading " + what + " from Redis", e);
      } catch (RedisException e) {
        // timeouts, lost or refused connections
        throw new TransientException("Redis could not be reached to read " + what + " (projection '" + projection
            + "' v" + version + "): " + e.getMessage() + ". Check that Redis runs; retry later.", e);
      }
    }

    private static int parsePartition(String key, String field) {
      try {
        return Integer.parseInt(field);
      } catch (NumberFormatException e) {
        throw new PermanentException("Redis hash " + key + " has field '" + field + "', not a partition; it was"
            + " written by something other than RedisViewSink. Delete the field.", e);
      }
    }

    private static long parseOffset(String key, String field, String offset) {
      try {
        return Long.parseLong(offset);
      } catch (NumberFormatException e) {
        throw new PermanentException("Redis hash " + key + " field " + field + " holds '" + offset + "', not an"
            + " offset; it was written by something other than RedisViewSink. Delete the field to rebuild the"
            + " partition's views from the start.", e);
      }
    }
  }
}
