package io.tributary.testkit.internal;

import io.tributary.devservices.DevServices;
import io.tributary.devservices.ElasticsearchDevServer;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisDevServer;
import io.tributary.devservices.RedisEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The dev services of this machine, in a temporary directory deleted at the end of the run. Tests
 * may also get the Redis and Elasticsearch servers themselves, to stop and restart them.
 */
public final class EmbeddedServers implements ServerSource {
  private final DevServices services = DevServices.temporary();
  private volatile boolean redisHandedOut;
  private volatile boolean elasticsearchHandedOut;

  @Override
  public KafkaEndpoint kafka() {
    return services.kafka();
  }

  @Override
  public RedisEndpoint redis() {
    return services.redis();
  }

  @Override
  public ElasticsearchEndpoint elasticsearch() {
    return services.elasticsearch();
  }

  /** @return the Redis server, started on first use, for a test that stops and restarts it */
  public RedisDevServer redisServer() {
    redisHandedOut = true;
    return services.redisServer();
  }

  /** @return the Elasticsearch node, started on first use, for a test that stops and restarts it */
  public ElasticsearchDevServer elasticsearchServer() {
    elasticsearchHandedOut = true;
    return services.elasticsearchServer();
  }

  /**
   * Restarts every server that a test was given and left stopped, so that the next test finds it
   * running.
   *
   * @return the names of the servers restarted; empty if none was stopped
   */
  public List<String> restartStopped() {
    List<String> restarted = new ArrayList<>();
    if (redisHandedOut && !services.redisServer().isRunning()) {
      services.redisServer().restart();
      restarted.add("Redis");
    }
    if (elasticsearchHandedOut && !services.elasticsearchServer().isRunning()) {
      services.elasticsearchServer().restart();
      restarted.add("Elasticsearch");
    }
    return restarted;
  }

  @Override
  public void close() {
    services.close();
  }
}
