package io.tributary.projection.elasticsearch.internal;

import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import io.tributary.core.error.TransientException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Closes the connection a sink, reader or version store opened itself; one it was given stays open. */
public final class OwnedTransport {
  private OwnedTransport() {}

  /**
   * @param transport the connection the component opened, or null if it was given a client
   * @param owner what the connection belongs to, for the message
   * @throws TransientException if closing fails
   */
  public static void close(@Nullable Rest5ClientTransport transport, String owner) {
    if (transport == null) {
      return;
    }
    try {
      transport.close();
    } catch (IOException e) {
      throw new TransientException("Closing the " + owner + "'s connection to Elasticsearch failed: " + e.getMessage()
          + ". Nothing was lost; the connection's resources are released when the process ends.", e);
    }
  }
}
