package io.tributary.projection.elasticsearch.internal;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.transport.TransportException;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.core.error.TributaryException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Maps Elasticsearch failures to transient or permanent ones. */
public final class Failures {

  private Failures() {}

  /** @return whether an HTTP status means "try again later" (overload, unavailable shards, gateway) */
  public static boolean isTransientStatus(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  /** @return a one-line description of {@code cause}, with its first nested reason */
  public static String describe(@Nullable ErrorCause cause) {
    if (cause == null) {
      return "no reason given";
    }
    String text = cause.type() + ": " + cause.reason();
    ErrorCause nested = cause.causedBy();
    return nested == null ? text : text + " (caused by " + nested.type() + ": " + nested.reason() + ")";
  }

  /** Maps a failed client call about {@code what} to a transient or permanent failure. */
  public static TributaryException map(String what, Exception e) {
    if (e instanceof ElasticsearchException es) {
      String reason = describe(es.error());
      if (isTransientStatus(es.status())) {
        return new TransientException("Elasticsearch pushed back on " + what + " (HTTP " + es.status() + ", " + reason
            + "); the runner retries the batch, which is applied at most once.", e);
      }
      return new PermanentException("Elasticsearch rejected " + what + " (HTTP " + es.status() + ", " + reason
          + "); fix the projection's documents or the index mapping, then restart the partition.", e);
    }
    if (e instanceof TransportException transport && !isTransientStatus(transport.statusCode())
        && transport.statusCode() >= 400 && transport.statusCode() < 500) {
      return new PermanentException("Elasticsearch rejected " + what + " (HTTP " + transport.statusCode() + "): "
          + e.getMessage(), e);
    }
    if (e instanceof IOException) {
      return new TransientException("Elasticsearch could not be reached for " + what + ": " + e
          + ". Check that it runs; the runner retries the batch, which is applied at most once.", e);
    }
    return new PermanentException("Unexpected failure of " + what + ": " + e, e);
  }
}
