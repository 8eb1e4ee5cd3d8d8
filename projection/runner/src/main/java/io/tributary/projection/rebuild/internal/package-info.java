/** How far a version of a projection is behind the events topic; no compatibility promise. */
@NullMarked
package io.tributary.projection.rebuild.internal;

import org.jspecify.annotations.NullMarked;
