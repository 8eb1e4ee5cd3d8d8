/**
 * The gRPC command API: {@link io.tributary.runtime.grpc.CommandServer} serves {@code
 * tributary.runtime.v1.CommandService} (see {@code command_service.proto}) over a {@link
 * io.tributary.runtime.CommandGateway}, with health, reflection and the service's own endpoints.
 * See docs/adr/0003-command-side.md, section "Replies".
 */
@NullMarked
@Evolving
package io.tributary.runtime.grpc;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
