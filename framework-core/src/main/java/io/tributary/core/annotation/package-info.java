/** API stability markers: {@link io.tributary.core.annotation.Stable}, {@link io.tributary.core.annotation.Evolving}, {@link io.tributary.core.annotation.Experimental}. */
@NullMarked
package io.tributary.core.annotation;

import org.jspecify.annotations.NullMarked;
