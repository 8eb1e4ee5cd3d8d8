/**
 * The gRPC query API: {@link io.tributary.query.grpc.GrpcQueryService} serves {@code
 * tributary.query.v1.QueryService} (see {@code query_service.proto}) over a {@link
 * io.tributary.query.QueryEngine}, inside a service's command server or on its own {@link
 * io.tributary.query.grpc.QueryServer}. See docs/adr/0007-read-side.md, "Queries" and "Behind".
 */
@NullMarked
@Experimental
package io.tributary.query.grpc;

import io.tributary.core.annotation.Experimental;
import org.jspecify.annotations.NullMarked;
