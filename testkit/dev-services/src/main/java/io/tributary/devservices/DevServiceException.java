package io.tributary.devservices;

/**
 * A dev service could not start or stop. The message says which server, why, and what to do next;
 * where the server wrote a log, the message carries its last lines.
 */
public final class DevServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DevServiceException(String message) {
    super(message);
  }

  public DevServiceException(String message, Throwable cause) {
    super(message, cause);
  }
}
