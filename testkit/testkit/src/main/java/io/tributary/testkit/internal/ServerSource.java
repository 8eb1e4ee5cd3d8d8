package io.tributary.testkit.internal;

import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;

/** Where a test run's servers come from. Each server starts on first use and at most once. */
public interface ServerSource extends AutoCloseable {
  KafkaEndpoint kafka();

  RedisEndpoint redis();

  ElasticsearchEndpoint elasticsearch();

  @Override
  void close();
}
