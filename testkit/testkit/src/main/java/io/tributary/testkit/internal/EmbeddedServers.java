package io.tributary.testkit.internal;

import io.tributary.devservices.DevServices;
import io.tributary.devservices.ElasticsearchEndpoint;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.RedisEndpoint;

/** The dev services of this machine, in a temporary directory deleted at the end of the run. */
public final class EmbeddedServers implements ServerSource {
  private final DevServices services = DevServices.temporary();

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

  @Override
  public void close() {
    services.close();
  }
}
