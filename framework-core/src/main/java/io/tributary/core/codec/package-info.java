/** Codecs that turn commands, events and state into bytes under stable type names, never Java class names. */
@NullMarked
package io.tributary.core.codec;

import org.jspecify.annotations.NullMarked;
