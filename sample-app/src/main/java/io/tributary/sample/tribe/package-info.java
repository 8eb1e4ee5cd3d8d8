/** Tribes: groups of drivers that a driver founds, joins and leaves. */
@NullMarked
package io.tributary.sample.tribe;

import org.jspecify.annotations.NullMarked;
