/**
 * A {@link io.tributary.projection.sink.ViewSink} on Elasticsearch through elasticsearch-java:
 * documents written in bulk with external versions (the source offset) and a position document per
 * projection partition.
 */
@Evolving
@NullMarked
package io.tributary.projection.elasticsearch;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
