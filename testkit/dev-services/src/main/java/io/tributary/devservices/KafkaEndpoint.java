package io.tributary.devservices;

/**
 * Where a Kafka broker listens.
 *
 * @param bootstrapServers the value for {@code bootstrap.servers}, e.g. {@code 127.0.0.1:39001}
 */
public record KafkaEndpoint(String bootstrapServers) {}
