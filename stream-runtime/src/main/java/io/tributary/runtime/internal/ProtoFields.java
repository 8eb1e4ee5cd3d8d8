package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;

/**
 * The field writes the record encoders share ({@link EventRecordEncoder}, {@link OutcomeRecordEncoder}),
 * as the generated code writes them in proto3: a text or bytes field at its default (empty) is left
 * out, a message field that is set is written even when empty.
 */
final class ProtoFields {
  private ProtoFields() {}

  /** @return the size of a text or bytes field, 0 if it is empty */
  static int bytesSize(int field, ByteString value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeBytesSize(field, value);
  }

  /** @return the size of a message field, present whatever its contents, of {@code contentSize} bytes */
  static int messageSize(int field, int contentSize) {
    return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(contentSize)
        + contentSize;
  }

  /** Writes a message field's tag and length; its {@code contentSize} bytes follow. */
  static void startMessage(CodedOutputStream out, int field, int contentSize) throws IOException {
    out.writeTag(field, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(contentSize);
  }

  /** Writes a text or bytes field, unless it is empty. */
  static void writeBytes(CodedOutputStream out, int field, ByteString value) throws IOException {
    if (!value.isEmpty()) {
      out.writeBytes(field, value);
    }
  }
}
