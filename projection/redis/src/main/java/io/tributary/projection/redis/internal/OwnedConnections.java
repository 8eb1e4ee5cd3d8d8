package io.tributary.projection.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tributary.core.error.TransientException;

/** Closing what a Redis view component opened itself: its connection, then its client. */
public final class OwnedConnections {
  private OwnedConnections() {}

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
