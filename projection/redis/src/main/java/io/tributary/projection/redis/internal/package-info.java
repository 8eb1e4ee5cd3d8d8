/** The Lua script's argument encoding; no compatibility promise. */
@NullMarked
package io.tributary.projection.redis.internal;

import org.jspecify.annotations.NullMarked;
