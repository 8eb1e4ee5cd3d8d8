package io.tributary.runtime.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tributary.core.annotation.Evolving;
import java.nio.charset.StandardCharsets;

/**
 * The trailers a non-OK {@code CommandService.Send} call carries. Read them from the {@link
 * io.grpc.StatusRuntimeException#getTrailers() trailers} of the failed call:
 *
 * <pre>{@code
 * catch (StatusRuntimeException e) {
 *   if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
 *     String code = e.getTrailers().get(CommandTrailers.REJECTION_CODE);   // branch on this
 *   }
 * }
 * }</pre>
 *
 * Texts written by people or exceptions travel in {@code -bin} trailers as UTF-8, because plain
 * trailers carry printable ASCII only; every gRPC library decodes {@code -bin} values itself.
 */
@Evolving
public final class CommandTrailers {
  private static final Metadata.BinaryMarshaller<String> UTF_8 =
      new Metadata.BinaryMarshaller<>() {
        @Override
        public byte[] toBytes(String value) {
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String parseBytes(byte[] serialized) {
          return new String(serialized, StandardCharsets.UTF_8);
        }
      };

  /**
   * {@code tributary-rejection-code}: the aggregate's stable rejection code (UPPER_SNAKE_CASE), on
   * {@link Status.Code#FAILED_PRECONDITION}. Clients branch on this, never on the message.
   */
  public static final Metadata.Key<String> REJECTION_CODE =
      Metadata.Key.of("tributary-rejection-code", Metadata.ASCII_STRING_MARSHALLER);

  /** {@code tributary-rejection-message-bin}: the rejection's message for people, UTF-8. */
  public static final Metadata.Key<String> REJECTION_MESSAGE =
      Metadata.Key.of("tributary-rejection-message-bin", UTF_8);

  /**
   * {@code tributary-failure-bin}: why the command could not be decided, UTF-8, on {@link
   * Status.Code#INTERNAL}. Present only for such failed outcomes, which a resend repeats; an
   * INTERNAL status without it is a server fault after which resending the same id is safe.
   */
  public static final Metadata.Key<String> FAILURE = Metadata.Key.of("tributary-failure-bin", UTF_8);

  /**
   * {@code tributary-duplicate}: {@code true} when a rejected or failed outcome repeats the stored
   * outcome of an earlier command with the same id; absent otherwise.
   */
  public static final Metadata.Key<String> DUPLICATE =
      Metadata.Key.of("tributary-duplicate", Metadata.ASCII_STRING_MARSHALLER);

  private CommandTrailers() {}
}
