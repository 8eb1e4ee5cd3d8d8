package io.tributary.devservices;

import java.net.URI;

/**
 * Where a Redis server listens.
 *
 * @param host the address, {@code 127.0.0.1} for dev services
 * @param port the TCP port
 */
public record RedisEndpoint(String host, int port) {
  /** @return {@code redis://host:port}, the form Lettuce's {@code RedisClient.create} takes */
  public URI uri() {
    return URI.create("redis://" + host + ":" + port);
  }
}
