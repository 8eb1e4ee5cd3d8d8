package io.tributary.testkit.internal;

import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;
import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.utility.DockerImageName;

/**
 * Servers in Docker containers, for machines with a Docker engine. Image names can be overridden
 * with the system properties {@code tributary.dev-services.kafka-image}, {@code ...redis-image}
 * and {@code ...elasticsearch-image}.
 */
public final class ContainerServers implements ServerSource {
  private final Deque<Startable> started = new ArrayDeque<>();
  private @Nullable KafkaContainer kafka;
  private @Nullable GenericContainer<?> redis;
  private @Nullable ElasticsearchContainer elasticsearch;

  /** @return {@code true} if a Docker engine answers */
  public static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError noDocker) {
      return false;
    }
  }

  @Override
  public synchronized KafkaEndpoint kafka() {
    if (kafka == null) {
      kafka = start(new KafkaContainer(image("kafka-image", "apache/kafka:4.1.1")));
    }
    return new KafkaEndpoint(kafka.getBootstrapServers());
  }

  @Override
  public synchronized RedisEndpoint redis() {
    if (redis == null) {
      redis = start(new GenericContainer<>(image("redis-image", "redis:7.4")).withExposedPorts(6379));
    }
    return new RedisEndpoint(redis.getHost(), redis.getMappedPort(6379));
  }

  @Override
  public synchronized ElasticsearchEndpoint elasticsearch() {
    if (elasticsearch == null) {
      elasticsearch = start(new ElasticsearchContainer(
              image("elasticsearch-image", "docker.elastic.co/elasticsearch/elasticsearch:9.1.5")
                  .asCompatibleSubstituteFor("docker.elastic.co/elasticsearch/elasticsearch"))
          .withEnv("xpack.security.enabled", "false"));
    }
    return new ElasticsearchEndpoint(elasticsearch.getHost(), elasticsearch.getMappedPort(9200));
  }

  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    while (!started.isEmpty()) {
      try {
        started.pop().stop();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private <T extends Startable> T start(T container) {
    container.start();
    started.push(container);
    return container;
  }

  private static DockerImageName image(String property, String fallback) {
    return DockerImageName.parse(System.getProperty("tributary.dev-services." + property, fallback));
  }
}
