/**
 * The drivers service's read side: the projections that build its read models in Redis and
 * Elasticsearch, and the key layout its queries read.
 */
@NullMarked
package io.tributary.sample.views;

import org.jspecify.annotations.NullMarked;
