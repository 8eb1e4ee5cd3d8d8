package io.tributary.projection.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.redis.internal.OwnedConnections;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewVersions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@link ViewVersions} on Redis. The live version of a projection is the decimal string in the key
 * {@link ViewNames#redisLiveKey}{@code (base, projection)}; readers read it, then the view keys under
 * {@link ViewNames#redisPrefix}{@code (base, projection, live)}. Version {@code N} is written by a
 * {@link RedisViewSink} with {@link RedisViewSinkSettings#forVersion}, so its views and its positions
 * all live under its prefix.
 *
 * <p>{@link #publish} is one {@code SET} of the pointer, atomic for every reader. It does not check
 * that the version has views: a first version is published while still empty, so a new service
 * serves at once.
 *
 * <p>{@link #drop} walks the version's prefix with {@code SCAN MATCH <prefix>*} and removes what it
 * finds with {@code UNLINK} (the memory is freed in the background), at most {@link #dropBatchSize()}
 * keys per call, so it never blocks the server the way {@code KEYS} or one huge {@code DEL} would.
 * It refuses the live version. A version being dropped must have no running writer: keys written
 * behind the scan may survive. Publishing a version while it is being dropped is a caller's bug
 * (the check before the scan cannot see it).
 *
 * <p><b>Threading.</b> Thread-safe (one Lettuce connection serialises commands).
 */
@Evolving
public final class RedisViewVersions implements ViewVersions, AutoCloseable {

  private static final int DEFAULT_DROP_BATCH = 500;

  private final StatefulRedisConnection<String, String> connection;
  private final @Nullable RedisClient ownedClient;
  private final String base;
  private final int dropBatchSize;

  private RedisViewVersions(StatefulRedisConnection<String, String> connection, @Nullable RedisClient ownedClient,
      String base, int dropBatchSize) {
    if (dropBatchSize < 1) {
      throw new IllegalArgumentException("dropBatchSize must be at least 1, was " + dropBatchSize);
    }
    this.connection = connection;
    this.ownedClient = ownedClient;
    this.base = Objects.requireNonNull(base, "base");
    this.dropBatchSize = dropBatchSize;
  }

  /**
   * Connects to the Redis server at {@code uri}; {@link #close()} closes the connection and client.
   *
   * @param base the deployment's key prefix, the same one the sinks' {@link RedisViewSinkSettings#forVersion} got; may be empty
   * @throws TransientException if the server cannot be reached; check the address and retry
   */
  public static RedisViewVersions connect(RedisURI uri, String base) {
    OwnedConnections.Opened opened = OwnedConnections.open(uri, Duration.ofSeconds(10), "Redis view versions");
    return new RedisViewVersions(opened.connection(), opened.client(), base, DEFAULT_DROP_BATCH);
  }

  /**
   * Uses a connection the caller owns (and closes). The connection must use a {@code String} codec.
   *
   * @param base the deployment's key prefix; may be empty
   */
  public static RedisViewVersions over(StatefulRedisConnection<String, String> connection, String base) {
    return new RedisViewVersions(Objects.requireNonNull(connection, "connection"), null, base, DEFAULT_DROP_BATCH);
  }

  /**
   * @return a copy over the same connection that deletes at most {@code dropBatchSize} keys per
   *     {@code UNLINK} (and asks {@code SCAN} for as many per step); the copy does not own the connection
   * @throws IllegalArgumentException if {@code dropBatchSize} is below 1
   */
  public RedisViewVersions withDropBatchSize(int dropBatchSize) {
    return new RedisViewVersions(connection, null, base, dropBatchSize);
  }

  /** @return the most keys one {@code UNLINK} of {@link #drop} deletes; 500 unless changed */
  public int dropBatchSize() {
    return dropBatchSize;
  }

  @Override
  public OptionalInt live(String projection) {
    String key = ViewNames.redisLiveKey(base, projection);
    String stored = call("reading the live version of projection '" + projection + "'", () -> connection.sync().get(key));
    if (stored == null) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of(Integer.parseInt(stored));
    } catch (NumberFormatException e) {
      throw new PermanentException(("Redis key %s holds '%s', not a version number; it was written by something"
          + " other than RedisViewVersions. Publish a version again to repair it.").formatted(key, stored), e);
    }
  }

  @Override
  public void publish(String projection, int version) {
    checkVersion(projection, version);
    String key = ViewNames.redisLiveKey(base, projection);
    call("publishing version " + version + " of projection '" + projection + "'",
        () -> connection.sync().set(key, Integer.toString(version)));
  }

  @Override
  public void drop(String projection, int version) {
    checkVersion(projection, version);
    OptionalInt live = live(projection);
    if (live.isPresent() && live.getAsInt() == version) {
      throw new IllegalStateException(("Version %d of projection '%s' is live, so readers would lose their views;"
          + " publish another version first, then drop %d.").formatted(version, projection, version));
    }
    String prefix = ViewNames.redisPrefix(base, projection, version);
    ScanArgs match = ScanArgs.Builder.matches(globEscape(prefix) + "*").limit(dropBatchSize);
    String what = "dropping version " + version + " of projection '" + projection + "' (keys " + prefix + "*)";
    RedisCommands<String, String> commands = connection.sync();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      ScanCursor from = cursor;
      KeyScanCursor<String> step = call(what, () -> commands.scan(from, match));
      List<String> keys = step.getKeys();
      // SCAN may return up to a few times the COUNT hint: keep each UNLINK within the bound
      for (int start = 0; start < keys.size(); start += dropBatchSize) {
        String[] batch = keys.subList(start, Math.min(keys.size(), start + dropBatchSize)).toArray(String[]::new);
        call(what, () -> commands.unlink(batch));
      }
      cursor = step;
    } while (!cursor.isFinished());
  }

  /** Closes the connection and client if {@link #connect} opened them; a connection passed in stays open. */
  @Override
  public void close() {
    if (ownedClient == null) {
      return;
    }
    OwnedConnections.close(connection, ownedClient, "Redis view versions");
  }

  private static void checkVersion(String projection, int version) {
    if (version < 1) {
      throw new IllegalArgumentException("Version " + version + " of projection '" + projection
          + "' is not a projection version; versions start at 1.");
    }
  }

  /** Escapes the glob characters of {@code text} so {@code SCAN MATCH} takes it literally. */
  static String globEscape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  private static <T> T call(String what, Supplier<T> command) {
    try {
      return command.get();
    } catch (RedisCommandExecutionException e) {
      throw new PermanentException("Redis rejected " + what + ": " + e.getMessage()
          + ". Check that the key is not used by anything else.", e);
    } catch (RedisCommandInterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while " + what, e);
    } catch (RedisException e) {
      // timeouts, lost or refused connections
      throw new TransientException("Redis could not be reached for " + what + ": " + e.getMessage()
          + ". Check that Redis runs, then retry (a retried drop scans again).", e);
    }
  }
}
