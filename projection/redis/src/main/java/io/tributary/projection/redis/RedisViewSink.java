package io.tributary.projection.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandType;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.projection.redis.internal.OwnedConnections;
import io.tributary.projection.redis.internal.ScriptArguments;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.internal.BatchChecks;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ViewSink} on Redis. Applies every {@link ViewUpdate.KeyUpdate} kind: strings ({@link
 * ViewUpdate.PutValue}, {@link ViewUpdate.DeleteKey}), hashes ({@link ViewUpdate.PutFields},
 * {@link ViewUpdate.RemoveFields}), hash-field counters ({@link ViewUpdate.Increment}) and sorted
 * sets ({@link ViewUpdate.ScoreAdd}, {@link ViewUpdate.ScoreIncrement}, {@link
 * ViewUpdate.ScoreRemove}).
 *
 * <p><b>Atomicity.</b> One batch is one Lua script ({@code apply-batch.lua}, sent with {@code
 * EVALSHA}, and with {@code EVAL} when the server does not have it cached). The script reads the
 * held position from the hash {@code <prefix>tributary:positions:<projection>} (field: partition);
 * if it is below the batch's first offset, the script applies the whole batch and writes the new
 * position, all without other commands interleaving. If not (a replay after a restart), it writes
 * nothing and returns the held position, and the sink sends the entries above it again. A script
 * that fails half-way is not rolled back by Redis, so the script checks the updates that can fail
 * before writing, and undoes the counters it applied if a counter fails (a counter field back at
 * 0 is removed: it was absent or 0 before).
 *
 * <p><b>Compaction.</b> The batch is applied as a whole, so it is sent compacted: each key once,
 * the increments of a key that only receives increments summed per field, consecutive increments
 * of one field and consecutive field puts merged. Hot counters cost one Redis call per batch, not
 * one per event.
 *
 * <p><b>Keys</b> are the updates' keys with {@link RedisViewSinkSettings#keyPrefix()} in front;
 * every key of a batch is passed to the script as a key, as Redis requires. Offsets are compared
 * as Lua numbers, exact up to 2<sup>53</sup>.
 *
 * <p><b>Threading.</b> Thread-safe (one Lettuce connection, which serialises commands); one writer
 * per (projection, partition), as {@link ViewSink} requires.
 */
@Evolving
public final class RedisViewSink implements ViewSink {

  private static final Set<Class<? extends ViewUpdate>> SUPPORTED = Set.of(
      ViewUpdate.PutValue.class, ViewUpdate.DeleteKey.class, ViewUpdate.PutFields.class,
      ViewUpdate.RemoveFields.class, ViewUpdate.Increment.class, ViewUpdate.ScoreAdd.class,
      ViewUpdate.ScoreIncrement.class, ViewUpdate.ScoreRemove.class);
  private static final String SCRIPT_RESOURCE = "apply-batch.lua";
  /** Lua numbers are doubles: integers are exact up to 2^53. */
  private static final long MAX_EXACT_OFFSET = 1L << 53;

  private final StatefulRedisConnection<String, String> connection;
  private final @Nullable RedisClient ownedClient;
  private final RedisViewSinkSettings settings;
  private final String script;
  private final String scriptSha;

  private RedisViewSink(StatefulRedisConnection<String, String> connection, @Nullable RedisClient ownedClient,
      RedisViewSinkSettings settings) {
    this.connection = connection;
    this.ownedClient = ownedClient;
    this.settings = settings;
    this.script = loadScript();
    this.scriptSha = sha1Hex(script);
  }

  /**
   * Connects to the Redis server at {@code uri}; {@link #close()} closes the connection and client.
   *
   * @throws TransientException if the server cannot be reached; check the address and retry
   */
  public static RedisViewSink connect(RedisURI uri, RedisViewSinkSettings settings) {
    OwnedConnections.Opened opened = OwnedConnections.open(uri, settings.commandTimeout(), "Redis view sink");
    return new RedisViewSink(opened.connection(), opened.client(), settings);
  }

  /**
   * Uses a connection the caller owns (and closes); its timeout is left as the caller set it.
   * The connection must use a {@code String} codec (UTF-8).
   */
  public static RedisViewSink over(StatefulRedisConnection<String, String> connection, RedisViewSinkSettings settings) {
    return new RedisViewSink(Objects.requireNonNull(connection, "connection"), null, settings);
  }

  @Override
  public void apply(String projection, int partition, List<SourcedUpdates> batch) {
    BatchChecks.check("RedisViewSink", SUPPORTED, projection, partition, batch);
    if (batch.isEmpty()) {
      return;
    }
    long lastOffset = batch.getLast().source().offset();
    if (lastOffset > MAX_EXACT_OFFSET) {
      throw new PermanentException("RedisViewSink compares offsets as Lua numbers, exact up to 2^53, and projection '%s' partition %d reached offset %d. Use another sink for this partition."
          .formatted(projection, partition, lastOffset));
    }
    List<SourcedUpdates> remaining = batch;
    while (!remaining.isEmpty()) {
      OptionalLong held = applyOrHeld(projection, partition, remaining);
      if (held.isEmpty()) {
        return;
      }
      // the sink already holds part of the batch (a replay after a restart): send only the rest
      remaining = newerThan(remaining, held.getAsLong());
    }
  }

  /** Applies {@code batch} whole and returns empty, or returns the held position if it is not below the batch. */
  private OptionalLong applyOrHeld(String projection, int partition, List<SourcedUpdates> batch) {
    ScriptArguments arguments = ScriptArguments.encode(
        settings.positionsKey(projection), settings.keyPrefix(), partition, batch);
    String where = "projection '%s' partition %d offsets %d..%d".formatted(projection, partition,
        batch.getFirst().source().offset(), batch.getLast().source().offset());
    List<Object> reply = call(where, () -> {
      RedisCommands<String, String> commands = connection.sync();
      try {
        return commands.dispatch(CommandType.EVALSHA, new NestedMultiOutput<>(StringCodec.UTF8),
            arguments.commandArgs(scriptSha));
      } catch (RedisNoScriptException notCached) {
        // first use on this server, or its script cache was flushed: EVAL also caches it
        return commands.dispatch(CommandType.EVAL, new NestedMultiOutput<>(StringCodec.UTF8),
            arguments.commandArgs(script));
      }
    });
    if (reply.size() == 2 && Long.valueOf(1L).equals(reply.get(0))) {
      return OptionalLong.empty();
    }
    if (reply.size() == 2 && Long.valueOf(0L).equals(reply.get(0)) && reply.get(1) instanceof String held) {
      try {
        return OptionalLong.of(Long.parseLong(held));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new PermanentException("Redis answered %s for %s with %s, which %s does not write; the position hash %s or the script cache holds something else. Delete the position field to rebuild the partition's views."
        .formatted(SCRIPT_RESOURCE, where, reply, RedisViewSink.class.getSimpleName(), settings.positionsKey(projection)));
  }

  private static List<SourcedUpdates> newerThan(List<SourcedUpdates> batch, long held) {
    int from = 0;
    while (from < batch.size() && batch.get(from).source().offset() <= held) {
      from++;
    }
    return batch.subList(from, batch.size());
  }

  @Override
  public OptionalLong position(String projection, int partition) {
    String stored = call("position of projection '%s' partition %d".formatted(projection, partition),
        () -> connection.sync().hget(settings.positionsKey(projection), Integer.toString(partition)));
    if (stored == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(stored));
    } catch (NumberFormatException e) {
      throw new PermanentException("Redis hash %s field %d holds '%s', not an offset; it was written by something other than RedisViewSink. Delete the field to rebuild the partition's views from the start."
          .formatted(settings.positionsKey(projection), partition, stored), e);
    }
  }

  @Override
  public Set<Class<? extends ViewUpdate>> supports() {
    return SUPPORTED;
  }

  /** @return the settings this sink writes with */
  public RedisViewSinkSettings settings() {
    return settings;
  }

  @Override
  public void close() {
    if (ownedClient == null) {
      return;
    }
    OwnedConnections.close(connection, ownedClient, "Redis view sink");
  }

  private <T> T call(String what, Supplier<T> command) {
    try {
      return command.get();
    } catch (RedisCommandExecutionException e) {
      if (isTransientReply(e.getMessage())) {
        throw new TransientException("Redis is busy or not ready for " + what + ": " + e.getMessage()
            + ". The runner retries the batch; it is applied at most once.", e);
      }
      throw new PermanentException("Redis rejected " + what + ": " + e.getMessage()
          + ". The data does not fit what the keys hold; fix the projection or delete the keys, then restart the partition.", e);
    } catch (RedisCommandInterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while writing " + what + " to Redis", e);
    } catch (RedisException e) {
      // timeouts, lost or refused connections
      throw new TransientException("Redis could not be reached for " + what + ": " + e.getMessage()
          + ". The runner retries the batch; it is applied at most once.", e);
    }
  }

  /** Redis error codes that a retry may clear (the code is the first word of the reply). */
  private static boolean isTransientReply(@Nullable String message) {
    if (message == null) {
      return false;
    }
    return message.startsWith("BUSY") || message.startsWith("LOADING") || message.startsWith("TRYAGAIN")
        || message.startsWith("CLUSTERDOWN") || message.startsWith("MASTERDOWN") || message.startsWith("READONLY")
        || message.startsWith("OOM");
  }

  private static String loadScript() {
    try (InputStream in = RedisViewSink.class.getResourceAsStream(SCRIPT_RESOURCE)) {
      if (in == null) {
        throw new PermanentException("Resource " + SCRIPT_RESOURCE + " is missing next to " + RedisViewSink.class.getName()
            + "; the tributary-projection-redis jar is incomplete. Rebuild or re-download it.");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + SCRIPT_RESOURCE + " from the tributary-projection-redis jar", e);
    }
  }

  private static String sha1Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("The JDK has no SHA-1, which every Java platform must provide", e);
    }
  }
}
