/**
 * Real servers for tests and for a service's embedded default: a Kafka broker (KRaft) in this JVM,
 * a Redis server, and an Elasticsearch node in a child JVM. All bind to 127.0.0.1 on free ports.
 */
@NullMarked
package io.tributary.devservices;

import org.jspecify.annotations.NullMarked;
