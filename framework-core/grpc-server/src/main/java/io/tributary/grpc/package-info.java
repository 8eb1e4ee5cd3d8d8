/**
 * What Tributary's gRPC servers share: {@link io.tributary.grpc.EndpointSettings} (where to listen,
 * TLS, how long closing waits) and {@link io.tributary.grpc.GrpcEndpoint}, which serves a server's
 * services with health and reflection and closes in two stages. The command server ({@code
 * io.tributary.runtime.grpc.CommandServer}) and the query server ({@code
 * io.tributary.query.grpc.QueryServer}) are built on them.
 */
@NullMarked
@Evolving
package io.tributary.grpc;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
