package io.tributary.projection.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.error.TransientException;
import java.time.Duration;

/** What a Redis view component opens itself: a client and its connection, and their closing. */
public final class OwnedConnections {
  private OwnedConnections() {}

  /** A client and the one connection a component opened through it. */
  public record Opened(RedisClient client, StatefulRedisConnection<String, String> connection) {}

  /**
   * Connects to {@code uri} with a {@code String} codec and {@code timeout} per command; on failure
   * no client is left running.
   *
   * @param what the component, for the message, e.g. {@code "Redis view sink"}
   * @throws TransientException if the server cannot be reached
   */
  public static Opened open(RedisURI uri, Duration timeout, String what) {
    RedisClient client = RedisClient.create(uri);
    try {
      StatefulRedisConnection<String, String> connection = client.connect();
      connection.setTimeout(timeout);
      return new Opened(client, connection);
    } catch (RuntimeException e) {
      try {
        client.shutdown();
      } catch (RuntimeException shutdownFailure) {
        e.addSuppressed(shutdownFailure);
      }
      if (e instanceof RedisException redis) {
        throw new TransientException("Cannot connect the " + what + " to " + uri.toURI() + ": " + redis.getMessage()
            + ". Check that Redis runs there and retry (a projection runner retries by itself).", redis);
      }
      throw e;
    }
  }

  /**
   * Closes {@code connection} and shuts {@code client} down, both even if the first fails.
   *
   * @param what the component, for the message, e.g. {@code "Redis view sink"}
   * @throws TransientException with the first failure, the second suppressed
   */
  public static void close(StatefulRedisConnection<?, ?> connection, RedisClient client, String what) {
    RuntimeException failure = null;
    try {
      connection.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      client.shutdown();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw new TransientException("Closing the " + what + " failed: " + failure.getMessage()
          + ". Its Redis connection may stay open until the process exits.", failure);
    }
  }
}
