package io.tributary.query.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.query.QueryFailedException;
import io.tributary.query.ViewBehindException;

/** Maps the engine's failures to gRPC statuses; the table is on {@link GrpcQueryService}. */
final class QueryStatuses {
  private QueryStatuses() {}

  static StatusRuntimeException invalid(String description) {
    return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
  }

  static StatusRuntimeException forFailure(String what, Throwable failure) {
    return switch (failure) {
      // a service's typed endpoint chose its status (NOT_FOUND, say): pass it on as it is
      case StatusRuntimeException chosen -> chosen;
      case IllegalArgumentException invalid ->
          Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()).withCause(invalid).asRuntimeException();
      case ViewBehindException behind -> {
        Metadata trailers = new Metadata();
        trailers.put(QueryTrailers.BEHIND_PROJECTION, behind.projection());
        trailers.put(QueryTrailers.BEHIND_VERSION, Integer.toString(behind.version()));
        trailers.put(QueryTrailers.BEHIND_PARTITION, Integer.toString(behind.partition()));
        trailers.put(QueryTrailers.BEHIND_OFFSET, Long.toString(behind.heldOffset()));
        trailers.put(QueryTrailers.BEHIND_NEEDED, Long.toString(behind.neededOffset()));
        yield Status.UNAVAILABLE.withDescription(behind.getMessage()).withCause(behind).asRuntimeException(trailers);
      }
      case TransientException transientFailure ->
          Status.UNAVAILABLE
              .withDescription("The " + what + " could not be answered now: " + transientFailure.getMessage()
                  + " Retrying later may succeed.")
              .withCause(transientFailure)
              .asRuntimeException();
      case QueryFailedException failed ->
          Status.INTERNAL.withDescription(failed.getMessage()).withCause(failed).asRuntimeException();
      case PermanentException refused ->
          Status.FAILED_PRECONDITION
              .withDescription("The " + what + " was refused by the store: " + refused.getMessage())
              .withCause(refused)
              .asRuntimeException();
      default ->
          Status.INTERNAL
              .withDescription("The " + what + " failed in the server: " + failure
                  + ". If this persists, the server log has the stack trace.")
              .withCause(failure)
              .asRuntimeException();
    };
  }
}
