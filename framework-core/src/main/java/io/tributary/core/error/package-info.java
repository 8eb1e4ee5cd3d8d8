/** Typed failures: a transient one may succeed on retry, a permanent one will not. Retry code decides by type. */
@NullMarked
package io.tributary.core.error;

import org.jspecify.annotations.NullMarked;
