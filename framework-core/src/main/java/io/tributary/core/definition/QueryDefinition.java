package io.tributary.core.definition;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.codec.Codec;
import io.tributary.core.codec.ProtobufCodec;
import java.util.Objects;

/**
 * How a service declares a typed query over its read models: a stable name and the codecs of its
 * request and response. Checked by {@link ServiceDefinition.Builder#build()}.
 *
 * @param name kebab-case, e.g. {@code top-posts}
 * @param request the request codec
 * @param response the response codec
 * @param <Q> the request message
 * @param <R> the response message
 */
@Experimental
public record QueryDefinition<Q extends Message, R extends Message>(String name, Codec<Q> request, Codec<R> response) {
  public QueryDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(response, "response");
  }

  /** @return a query whose request and response use their Protocol Buffers codecs */
  public static <Q extends Message, R extends Message> QueryDefinition<Q, R> of(
      String name, Q requestDefault, R responseDefault) {
    return new QueryDefinition<>(name, ProtobufCodec.of(requestDefault), ProtobufCodec.of(responseDefault));
  }
}
