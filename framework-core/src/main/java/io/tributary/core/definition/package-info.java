/** Declarations of a service's aggregates, projections and queries, validated once at start-up. */
@NullMarked
package io.tributary.core.definition;

import org.jspecify.annotations.NullMarked;
