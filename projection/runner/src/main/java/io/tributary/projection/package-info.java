/**
 * Runs projections: {@link io.tributary.projection.ProjectionRunner} consumes a service's events
 * topic and applies each projection's updates to a {@link io.tributary.projection.sink.ViewSink}.
 */
@Experimental
@NullMarked
package io.tributary.projection;

import io.tributary.core.annotation.Experimental;
import org.jspecify.annotations.NullMarked;
