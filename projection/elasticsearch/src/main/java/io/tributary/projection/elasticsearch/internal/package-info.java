/** Bulk item outcomes and error mapping of the Elasticsearch sink; no compatibility promise. */
@NullMarked
package io.tributary.projection.elasticsearch.internal;

import org.jspecify.annotations.NullMarked;
