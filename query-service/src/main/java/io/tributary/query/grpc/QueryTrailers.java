package io.tributary.query.grpc;

import io.grpc.Metadata;
import io.tributary.core.annotation.Experimental;

/**
 * The trailers of an UNAVAILABLE query whose view did not reach the caller's position token, for
 * clients that decide how long to back off:
 *
 * <pre>{@code
 * catch (StatusRuntimeException e) {
 *   String needed = e.getTrailers().get(QueryTrailers.BEHIND_NEEDED);   // null: not a "behind"
 * }
 * }</pre>
 */
@Experimental
public final class QueryTrailers {

  /** {@code tributary-behind-projection}: the projection that is behind. */
  public static final Metadata.Key<String> BEHIND_PROJECTION =
      Metadata.Key.of("tributary-behind-projection", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code tributary-behind-version}: its live version that was waited for. */
  public static final Metadata.Key<String> BEHIND_VERSION =
      Metadata.Key.of("tributary-behind-version", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code tributary-behind-partition}: the events partition it is behind on. */
  public static final Metadata.Key<String> BEHIND_PARTITION =
      Metadata.Key.of("tributary-behind-partition", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code tributary-behind-offset}: the offset it had applied ({@code -1}: nothing yet). */
  public static final Metadata.Key<String> BEHIND_OFFSET =
      Metadata.Key.of("tributary-behind-offset", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code tributary-behind-needed}: the offset the token needs. */
  public static final Metadata.Key<String> BEHIND_NEEDED =
      Metadata.Key.of("tributary-behind-needed", Metadata.ASCII_STRING_MARSHALLER);

  private QueryTrailers() {}
}
