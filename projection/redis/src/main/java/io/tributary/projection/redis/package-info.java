/**
 * A {@link io.tributary.projection.sink.ViewSink} on Redis through Lettuce: strings, hashes, sorted
 * sets and counters, each batch written together with its position by one Lua script.
 */
@Evolving
@NullMarked
package io.tributary.projection.redis;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
