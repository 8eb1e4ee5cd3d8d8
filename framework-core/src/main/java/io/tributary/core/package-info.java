/** The model a service is written in: pure aggregates, decisions and the envelopes that carry commands and events. */
@NullMarked
package io.tributary.core;

import org.jspecify.annotations.NullMarked;
