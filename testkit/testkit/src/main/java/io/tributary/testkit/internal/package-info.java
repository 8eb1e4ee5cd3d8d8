/** Server sources behind the JUnit extension. Not public API. */
@NullMarked
package io.tributary.testkit.internal;

import org.jspecify.annotations.NullMarked;
