/**
 * The stream runtime: a service's aggregates run as keyed operators on the partitions of its Kafka
 * topics. See docs/adr/0003-command-side.md for the data flow and its guarantees.
 */
@NullMarked
package io.tributary.runtime;

import org.jspecify.annotations.NullMarked;
