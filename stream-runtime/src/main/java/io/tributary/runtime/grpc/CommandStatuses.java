package io.tributary.runtime.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.core.error.TransientException;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.InvalidCommandException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps command outcomes and failures to gRPC statuses; the table is on {@link GrpcCommandService}. */
final class CommandStatuses {
  private static final String RESEND_IS_SAFE =
      "Resending the same command id is safe: it returns the first outcome and appends nothing twice.";

  private CommandStatuses() {}

  /** The outcome wait ran out; thrown into the reply path by the timer, never by the gateway. */
  static final class OutcomeWaitExpired extends Exception {
    private static final long serialVersionUID = 1L;

    OutcomeWaitExpired(Duration waited, String bound) {
      super("no outcome within " + waited.toMillis() + " ms (" + bound + ")", null, false, false);
    }
  }

  static StatusRuntimeException missingFields(List<String> problems) {
    return Status.INVALID_ARGUMENT.withDescription(String.join(" ", problems)).asRuntimeException();
  }

  static StatusRuntimeException rejected(CommandOutcome.Rejected rejected) {
    Metadata trailers = new Metadata();
    trailers.put(CommandTrailers.REJECTION_CODE, rejected.code());
    trailers.put(CommandTrailers.REJECTION_MESSAGE, rejected.message());
    markDuplicate(trailers, rejected.duplicate());
    return Status.FAILED_PRECONDITION
        .withDescription(rejected.code() + ": " + rejected.message())
        .asRuntimeException(trailers);
  }

  static StatusRuntimeException failed(CommandOutcome.Failed failed) {
    Metadata trailers = new Metadata();
    trailers.put(CommandTrailers.FAILURE, failed.error());
    markDuplicate(trailers, failed.duplicate());
    return Status.INTERNAL
        .withDescription(
            "Command " + failed.commandId() + " could not be decided: " + failed.error()
                + ". Nothing was appended, and resending it fails the same way: fix the command or"
                + " the aggregate.")
        .asRuntimeException(trailers);
  }

  /**
   * @param failure what the gateway threw or completed its future with, or {@link
   *     OutcomeWaitExpired}; wrappers ({@link CompletionException}, {@link ExecutionException}) are
   *     unwrapped
   */
  static StatusRuntimeException forFailure(String commandId, Throwable failure) {
    Throwable cause = unwrap(failure);
    return switch (cause) {
      case OutcomeWaitExpired expired ->
          Status.DEADLINE_EXCEEDED
              .withDescription(
                  "The outcome of command " + commandId + " is unknown: " + expired.getMessage()
                      + ". It may still be applied. " + RESEND_IS_SAFE)
              .asRuntimeException();
      case InvalidCommandException invalid ->
          Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()).withCause(invalid).asRuntimeException();
      case TransientException transientFailure ->
          Status.UNAVAILABLE
              .withDescription(
                  "The outcome of command " + commandId + " is unknown: " + transientFailure.getMessage()
                      + ". " + RESEND_IS_SAFE)
              .withCause(transientFailure)
              .asRuntimeException();
      case CancellationException cancelled ->
          Status.UNAVAILABLE
              .withDescription(
                  "The server stopped waiting for the outcome of command " + commandId
                      + " (it may be shutting down); the outcome is unknown. " + RESEND_IS_SAFE)
              .withCause(cancelled)
              .asRuntimeException();
      default ->
          Status.INTERNAL
              .withDescription(
                  "Command " + commandId + " failed in the server: " + cause
                      + ". The outcome is unknown. " + RESEND_IS_SAFE
                      + " If this persists, the server log has the stack trace.")
              .withCause(cause)
              .asRuntimeException();
    };
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static void markDuplicate(Metadata trailers, boolean duplicate) {
    if (duplicate) {
      trailers.put(CommandTrailers.DUPLICATE, "true");
    }
  }
}
