/**
 * The command-side benchmark: Tributary's runtime against a Kafka Streams peer on the same broker.
 * See {@link io.tributary.benchmarks.CommandSideBenchmark}.
 */
@NullMarked
package io.tributary.benchmarks;

import org.jspecify.annotations.NullMarked;
