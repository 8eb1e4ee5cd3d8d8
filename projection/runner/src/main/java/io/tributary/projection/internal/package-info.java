/** The projection runner's machinery: the consumer loop, decoding and sink retries. No compatibility promise. */
@NullMarked
package io.tributary.projection.internal;

import org.jspecify.annotations.NullMarked;
