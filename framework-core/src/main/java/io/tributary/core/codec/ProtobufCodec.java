package io.tributary.core.codec;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.tributary.core.annotation.Stable;
import java.util.Objects;

/**
 * The codec for a Protocol Buffers message type. Its type name defaults to the message's full name
 * ({@code package.Message}), which is stable as long as the {@code .proto} package is.
 *
 * @param <T> the generated message class
 */
@Stable
public final class ProtobufCodec<T extends Message> implements Codec<T> {
  private final String typeName;
  private final T defaultInstance;
  private final Parser<T> parser;

  private ProtobufCodec(String typeName, T defaultInstance) {
    this.typeName = TypeNames.check(typeName);
    this.defaultInstance = defaultInstance;
    @SuppressWarnings("unchecked")
    Parser<T> typedParser = (Parser<T>) defaultInstance.getParserForType();
    this.parser = typedParser;
  }

  /**
   * @param defaultInstance the message's default instance, e.g. {@code PostEvent.getDefaultInstance()}
   * @return a codec named after the message's full Protocol Buffers name
   */
  public static <T extends Message> ProtobufCodec<T> of(T defaultInstance) {
    Objects.requireNonNull(defaultInstance, "defaultInstance");
    @SuppressWarnings("unchecked")
    T instance = (T) defaultInstance.getDefaultInstanceForType();
    return new ProtobufCodec<>(instance.getDescriptorForType().getFullName(), instance);
  }

  /** @return a copy recorded under {@code typeName} instead of the message's full name */
  public ProtobufCodec<T> named(String typeName) {
    return new ProtobufCodec<>(typeName, defaultInstance);
  }

  /** @return the message descriptor, which savepoints record so they can be read without these classes */
  public Descriptor descriptor() {
    return defaultInstance.getDescriptorForType();
  }

  @Override
  public String typeName() {
    return typeName;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Class<T> valueType() {
    return (Class<T>) defaultInstance.getClass();
  }

  @Override
  public byte[] encode(T value) {
    return value.toByteArray();
  }

  @Override
  public T decode(byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new CodecException(
          "Cannot decode " + bytes.length + " bytes as '" + typeName + "': " + e.getMessage()
              + ". The bytes were written as another type or are corrupt; check the type name the"
              + " producer recorded and that its .proto matches this one.",
          e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ProtobufCodec<?> that
        && typeName.equals(that.typeName)
        && defaultInstance.getClass().equals(that.defaultInstance.getClass());
  }

  @Override
  public int hashCode() {
    return Objects.hash(typeName, defaultInstance.getClass());
  }

  @Override
  public String toString() {
    return "ProtobufCodec[" + typeName + "]";
  }
}
