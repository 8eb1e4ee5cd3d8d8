/**
 * The benchmarks: the command side, Tributary's runtime against a Kafka Streams peer on the same
 * broker (see {@link io.tributary.benchmarks.CommandSideBenchmark}), and the read side, the
 * projection runner into Redis and Elasticsearch (see {@link
 * io.tributary.benchmarks.ReadSideBenchmark}).
 */
@NullMarked
package io.tributary.benchmarks;

import org.jspecify.annotations.NullMarked;
