/**
 * Test support for Tributary services: {@link io.tributary.testkit.AggregateFixture} for aggregates,
 * and {@link io.tributary.testkit.DevServicesExtension}, which hands tests real Kafka, Redis and
 * Elasticsearch servers.
 */
@NullMarked
package io.tributary.testkit;

import org.jspecify.annotations.NullMarked;
