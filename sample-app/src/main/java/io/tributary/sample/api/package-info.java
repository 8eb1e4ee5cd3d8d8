/**
 * The drivers service's typed gRPC API: {@link io.tributary.sample.api.DriversApiService} serves
 * {@code tributary.sample.api.v1.DriversApi} (see {@code drivers_api.proto}) beside the generic
 * {@code tributary.runtime.v1.CommandService}.
 */
@NullMarked
package io.tributary.sample.api;

import org.jspecify.annotations.NullMarked;
