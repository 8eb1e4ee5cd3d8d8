/** The engine's store bindings, position waits and live views; no compatibility promise. */
@NullMarked
package io.tributary.query.internal;

import org.jspecify.annotations.NullMarked;
