/**
 * Runs projections: {@link io.tributary.projection.ProjectionRunner} consumes a service's events
 * topic and applies each projection's updates to a {@link io.tributary.projection.sink.ViewSink},
 * keeping the keyed state of stateful projections in RocksDB and parking the events of projections
 * that opt in to it ({@link io.tributary.projection.ParkedEventHeaders}). {@link
 * io.tributary.projection.ProjectionStatus} reports each partition's position, lag, stop reason and
 * parked count; the meters are listed on {@link io.tributary.projection.ProjectionRunner}.
 */
@Experimental
@NullMarked
package io.tributary.projection;

import io.tributary.core.annotation.Experimental;
import org.jspecify.annotations.NullMarked;
