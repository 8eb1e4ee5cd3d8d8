/**
 * The view sink SPI: a projection turns events into {@link io.tributary.projection.sink.ViewUpdate}s,
 * and a {@link io.tributary.projection.sink.ViewSink} applies them together with their source
 * (partition, offset), effectively once.
 */
@Evolving
@NullMarked
package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
