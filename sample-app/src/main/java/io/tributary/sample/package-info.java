/**
 * The drivers' social network, written on Tributary's public API only: {@link
 * io.tributary.sample.DriversService} declares the service, {@code tribe} and {@code post} hold its
 * aggregates.
 */
@NullMarked
package io.tributary.sample;

import org.jspecify.annotations.NullMarked;
