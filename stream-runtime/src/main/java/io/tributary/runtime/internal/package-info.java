/** The runtime's machinery: task loop, wire records, topics. Not public API. */
@NullMarked
package io.tributary.runtime.internal;

import org.jspecify.annotations.NullMarked;
