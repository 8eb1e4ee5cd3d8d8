package io.tributary.devservices.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free TCP ports on 127.0.0.1. A port found free may be taken by another process before the server
 * binds it, so callers retry a start that fails to bind.
 */
public final class FreePorts {
  private FreePorts() {}

  /** @return a port that was free on 127.0.0.1 a moment ago */
  public static int next() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port on 127.0.0.1: " + e.getMessage(), e);
    }
  }
}
