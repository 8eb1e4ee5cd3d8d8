/**
 * The projection runner's machinery: the consumer loop, decoding and projecting, sink retries,
 * parking, keyed state over the runtime's partition store, metrics and test fault points. No
 * compatibility promise.
 */
@NullMarked
package io.tributary.projection.internal;

import org.jspecify.annotations.NullMarked;
