/** Helpers shared by the sink implementations; no compatibility promise. */
@NullMarked
package io.tributary.projection.sink.internal;

import org.jspecify.annotations.NullMarked;
