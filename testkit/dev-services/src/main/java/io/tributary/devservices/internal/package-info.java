/**
 * Process, port and file helpers for the dev services. Not public API.
 */
@NullMarked
package io.tributary.devservices.internal;

import org.jspecify.annotations.NullMarked;
