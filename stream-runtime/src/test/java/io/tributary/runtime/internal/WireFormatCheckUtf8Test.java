package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.runtime.internal.wire.CommandRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * records.proto does not check UTF-8 when it parses, so {@link WireFormat#checkUtf8} must check every
 * text field of a command record: the fields come from the descriptor, so one added later is tested
 * here without a change to this test.
 */
class WireFormatCheckUtf8Test {
  private static final byte[] NOT_UTF8 = {'i', 'd', (byte) 0xc3, '('};

  /** @return the path of every text field of a command record, nested messages included: {@code command.type_name} */
  static List<String> textFields() {
    List<String> paths = new ArrayList<>();
    collect(CommandRecord.getDescriptor(), "", paths);
    return paths;
  }

  private static void collect(Descriptor message, String prefix, List<String> paths) {
    for (FieldDescriptor field : message.getFields()) {
      if (field.getType() == FieldDescriptor.Type.STRING) {
        paths.add(prefix + field.getName());
      } else if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        collect(field.getMessageType(), prefix + field.getName() + ".", paths);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("textFields")
  void refusesARecordWhoseTextFieldIsNotUtf8(String path) throws IOException {
    CommandRecord record = CommandRecord.parseFrom(withBytes(CommandRecord.getDescriptor(), path.split("\\."), 0));

    assertThatThrownBy(() -> WireFormat.checkUtf8(record))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessage("Field " + path + " of the CommandRecord is not valid UTF-8");
  }

  @Test
  void takesARecordWhoseTextFieldsAreUtf8() throws IOException {
    CommandRecord record = CommandRecord.parseFrom(CommandRecord.newBuilder().setCommandId("c-1").setAggregateId("ä-1")
        .setCorrelationId("κ").setReplyTo("instance-🚗").build().toByteArray());

    assertThat(WireFormat.checkUtf8(record)).isSameAs(record);
  }

  /** @return a message of {@code type} whose only field, at {@code path}, holds {@link #NOT_UTF8} */
  private static byte[] withBytes(Descriptor type, String[] path, int depth) throws IOException {
    FieldDescriptor field = type.findFieldByName(path[depth]);
    byte[] value = depth == path.length - 1 ? NOT_UTF8 : withBytes(field.getMessageType(), path, depth + 1);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeTag(field.getNumber(), com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeBytesNoTag(ByteString.copyFrom(value));
    out.flush();
    return bytes.toByteArray();
  }
}
