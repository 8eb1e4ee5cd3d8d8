/**
 * The query engine: typed queries ({@link io.tributary.query.RegisteredQuery}) answered by handlers
 * over the live versions of a service's read models, after waiting, within a bound, for the
 * caller's position token (read-your-writes). See docs/adr/0007-read-side.md.
 */
@Experimental
@NullMarked
package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import org.jspecify.annotations.NullMarked;
