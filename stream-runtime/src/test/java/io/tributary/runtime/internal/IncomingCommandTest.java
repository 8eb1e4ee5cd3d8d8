package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link IncomingCommand#parse} must read a command record's bytes as the generated parser does, and
 * check every text field for UTF-8, which records.proto leaves to the reader. The text fields come
 * from the descriptor, so one added to records.proto later fails here until the parser reads it.
 */
class IncomingCommandTest {
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

  /**
   * @return every text field's path with a text that is not UTF-8: a short one, read byte by byte,
   *     and a bad byte among ASCII ones in a longer one, read 8 bytes at a time
   */
  static Stream<Arguments> textFieldsNotUtf8() {
    byte[] longText = "0123456789abcdef-x(0123456789".getBytes(StandardCharsets.US_ASCII);
    longText[17] = (byte) 0xc3; // a lead byte followed by '(': not UTF-8
    return textFields().stream()
        .flatMap(path -> Stream.of(Arguments.of(path, NOT_UTF8), Arguments.of(path, longText)));
  }

  @ParameterizedTest
  @MethodSource("textFieldsNotUtf8")
  void refusesARecordWhoseTextFieldIsNotUtf8(String path, byte[] text) throws IOException {
    byte[] record = withBytes(CommandRecord.getDescriptor(), path.split("\\."), 0, text);

    assertThatThrownBy(() -> IncomingCommand.parse(record))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessage("Field " + path + " of the CommandRecord is not valid UTF-8");
  }

  @ParameterizedTest
  @MethodSource("textFields")
  void acceptsTextThatIsUtf8ButNotAscii(String path) throws IOException {
    byte[] text = "accoünt-ünïcødé-🚗-0123456789".getBytes(StandardCharsets.UTF_8);
    byte[] record = withBytes(CommandRecord.getDescriptor(), path.split("\\."), 0, text);

    assertThat(IncomingCommand.parse(record)).isNotNull();
  }

  @Test
  void readsTheFieldsOfARecord() throws IOException {
    CommandRecord record = CommandRecord.newBuilder().setCommandId("c-1").setAggregateType("account")
        .setAggregateId("ä-1").setCorrelationId("κ").setCausationId("c-0").setTimestampMicros(17)
        .setReplyTo("instance-🚗")
        .setCommand(Payload.newBuilder().setTypeName("bank.Deposit").setData(ByteString.copyFrom(new byte[] {1, 0, 2})))
        .build();

    IncomingCommand command = IncomingCommand.parse(record.toByteArray());

    assertThat(command).isEqualTo(IncomingCommand.of(record));
    assertThat(command.commandId().toStringUtf8()).isEqualTo("c-1");
    assertThat(command.replyTo().toStringUtf8()).isEqualTo("instance-🚗");
    assertThat(command.commandData().toByteArray()).containsExactly(1, 0, 2);
  }

  @Test
  void refusesAnEndGroupTagAsTheGeneratedParserDoes() {
    byte[] endGroup = {(byte) ((1 << 3) | com.google.protobuf.WireFormat.WIRETYPE_END_GROUP)};

    assertThatThrownBy(() -> CommandRecord.parseFrom(endGroup)).isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> IncomingCommand.parse(endGroup)).isInstanceOf(InvalidProtocolBufferException.class);
  }

  /**
   * Records written one after another read as one record, as protobuf merges them: the last
   * occurrence of a text field wins and the payloads merge. Unknown fields, and known numbers with
   * another wire type, are skipped.
   */
  @Property
  void readsWhatTheGeneratedParserReads(@ForAll("records") List<byte[]> parts) throws IOException {
    byte[] bytes = concat(parts);

    assertThat(IncomingCommand.parse(bytes)).isEqualTo(IncomingCommand.of(CommandRecord.parseFrom(bytes)));
  }

  /** A damaged record is refused exactly when the generated parser refuses it, or a text field is not UTF-8. */
  @Property
  void refusesWhatTheGeneratedParserRefuses(@ForAll("records") List<byte[]> parts,
      @ForAll @IntRange(min = 0, max = 10_000) int at, @ForAll byte replacement, @ForAll boolean truncate) {
    byte[] bytes = concat(parts);
    if (bytes.length == 0) {
      return;
    }
    int index = at % bytes.length;
    byte[] damaged = truncate ? Arrays.copyOf(bytes, index) : bytes.clone();
    if (!truncate) {
      damaged[index] = replacement;
    }
    IncomingCommand expected;
    try {
      expected = IncomingCommand.of(CommandRecord.parseFrom(damaged));
    } catch (InvalidProtocolBufferException refused) {
      assertThatThrownBy(() -> IncomingCommand.parse(damaged)).isInstanceOf(InvalidProtocolBufferException.class);
      return;
    }
    if (allUtf8(expected)) {
      assertThat(catching(damaged)).isEqualTo(expected);
    } else {
      assertThatThrownBy(() -> IncomingCommand.parse(damaged)).isInstanceOf(InvalidProtocolBufferException.class)
          .hasMessageContaining("is not valid UTF-8");
    }
  }

  private static IncomingCommand catching(byte[] bytes) {
    try {
      return IncomingCommand.parse(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("refused what the generated parser reads, with valid UTF-8: " + e.getMessage(), e);
    }
  }

  private static boolean allUtf8(IncomingCommand command) {
    return command.commandId().isValidUtf8() && command.aggregateType().isValidUtf8()
        && command.aggregateId().isValidUtf8() && command.correlationId().isValidUtf8()
        && command.causationId().isValidUtf8() && command.replyTo().isValidUtf8() && command.commandType().isValidUtf8();
  }

  /** @return one to three records' bytes, each with unknown fields and known numbers of another wire type mixed in */
  @Provide
  Arbitrary<List<byte[]>> records() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12);
    Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
    Arbitrary<byte[]> payload = Combinators.combine(text, data, unknownFields())
        .as((type, bytes, unknown) -> concat(List.of(
            Payload.newBuilder().setTypeName(type).setData(ByteString.copyFrom(bytes)).build().toByteArray(), unknown)));
    Arbitrary<byte[]> record = Combinators.combine(text.list().ofSize(6), Arbitraries.longs(),
            payload.injectNull(0.2), unknownFields())
        .as((texts, timestamp, command, unknown) -> {
          CommandRecord.Builder builder = CommandRecord.newBuilder().setCommandId(texts.get(0))
              .setAggregateType(texts.get(1)).setAggregateId(texts.get(2)).setCorrelationId(texts.get(3))
              .setCausationId(texts.get(4)).setReplyTo(texts.get(5)).setTimestampMicros(timestamp);
          byte[] fields = builder.build().toByteArray();
          return concat(List.of(unknown, fields, command == null ? new byte[0] : field(CommandRecord.COMMAND_FIELD_NUMBER,
              command)));
        });
    return record.list().ofMinSize(1).ofMaxSize(3);
  }

  /** @return fields of numbers 1 to 40 with any wire type but a group's */
  private static Arbitrary<byte[]> unknownFields() {
    Arbitrary<byte[]> one = Combinators.combine(Arbitraries.integers().between(1, 40),
            Arbitraries.of(com.google.protobuf.WireFormat.WIRETYPE_VARINT, com.google.protobuf.WireFormat.WIRETYPE_FIXED64,
                com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED, com.google.protobuf.WireFormat.WIRETYPE_FIXED32),
            Arbitraries.longs())
        .as((number, wireType, value) -> {
          try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            switch (wireType) {
              case com.google.protobuf.WireFormat.WIRETYPE_VARINT -> out.writeUInt64(number, value);
              case com.google.protobuf.WireFormat.WIRETYPE_FIXED64 -> out.writeFixed64(number, value);
              case com.google.protobuf.WireFormat.WIRETYPE_FIXED32 -> out.writeFixed32(number, value.intValue());
              // a payload must parse, for the records to be readable at all: an empty one does
              default -> out.writeBytes(number, number == CommandRecord.COMMAND_FIELD_NUMBER ? ByteString.EMPTY
                  : ByteString.copyFromUtf8(Long.toString(value)));
            }
            out.flush();
            return bytes.toByteArray();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    return one.list().ofMaxSize(3).map(IncomingCommandTest::concat);
  }

  private static byte[] field(int number, byte[] message) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeByteArray(number, message);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    parts.forEach(bytes::writeBytes);
    return bytes.toByteArray();
  }

  /** @return a message of {@code type} whose only field, at {@code path}, holds {@link #NOT_UTF8} */
  private static byte[] withBytes(Descriptor type, String[] path, int depth, byte[] text) throws IOException {
    FieldDescriptor field = type.findFieldByName(path[depth]);
    byte[] value = depth == path.length - 1 ? text : withBytes(field.getMessageType(), path, depth + 1, text);
    return field(field.getNumber(), value);
  }
}
