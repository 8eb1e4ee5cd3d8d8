package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The fields of a command record a task loop reads, its text as UTF-8 (ADR 0003, "Wire records").
 *
 * <p>{@link #parse} reads them straight from a record's bytes: the generated parser builds a builder
 * for the record and another for its payload and copies every field, for every command a task loop
 * decides. Each field here is a slice of the record's bytes, which must not change afterwards (a
 * consumer record's value is an array of its own). The bytes on the wire are read as the generated
 * parser reads them: the last occurrence of a field wins, two payloads merge, a field with another
 * wire type or number is skipped as unknown, and what the generated parser refuses is refused.
 *
 * @param commandType the payload's type name
 * @param commandData the payload's bytes
 */
record IncomingCommand(ByteString commandId, ByteString aggregateType, ByteString aggregateId,
    ByteString correlationId, ByteString causationId, ByteString replyTo, ByteString commandType,
    ByteString commandData) {
  private static final int COMMAND_ID = tag(CommandRecord.COMMAND_ID_FIELD_NUMBER);
  private static final int AGGREGATE_TYPE = tag(CommandRecord.AGGREGATE_TYPE_FIELD_NUMBER);
  private static final int AGGREGATE_ID = tag(CommandRecord.AGGREGATE_ID_FIELD_NUMBER);
  private static final int CORRELATION_ID = tag(CommandRecord.CORRELATION_ID_FIELD_NUMBER);
  private static final int CAUSATION_ID = tag(CommandRecord.CAUSATION_ID_FIELD_NUMBER);
  private static final int COMMAND = tag(CommandRecord.COMMAND_FIELD_NUMBER);
  private static final int REPLY_TO = tag(CommandRecord.REPLY_TO_FIELD_NUMBER);
  private static final int TYPE_NAME = tag(Payload.TYPE_NAME_FIELD_NUMBER);
  private static final int DATA = tag(Payload.DATA_FIELD_NUMBER);
  /** The high bit of each byte of a long: set in a text's bytes OR-ed together only if one is not ASCII. */
  private static final long ASCII_HIGH_BITS = 0x8080808080808080L;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** @return the tag of a length-delimited field: every field read here is text, bytes or a message */
  private static int tag(int fieldNumber) {
    return (fieldNumber << 3) | com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /** @return the command a gateway of this instance built and handed over (ADR 0009) */
  static IncomingCommand of(CommandRecord record) {
    return new IncomingCommand(record.getCommandIdBytes(), record.getAggregateTypeBytes(),
        record.getAggregateIdBytes(), record.getCorrelationIdBytes(), record.getCausationIdBytes(),
        record.getReplyToBytes(), record.getCommand().getTypeNameBytes(), record.getCommand().getData());
  }

  /**
   * @param value a command record's bytes, as a producer wrote them; not changed afterwards
   * @throws InvalidProtocolBufferException if they are not a command record, or a text field is not
   *     UTF-8 (records.proto leaves that check to the reader)
   */
  static IncomingCommand parse(byte[] value) throws InvalidProtocolBufferException {
    IncomingCommand command;
    try {
      command = read(value);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      // a stream over an array reports its problems as InvalidProtocolBufferException; as the
      // generated parser does, anything else is reported as one too
      throw new InvalidProtocolBufferException(e);
    }
    return command;
  }

  private static IncomingCommand read(byte[] value) throws IOException {
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(value).newCodedInput();
    in.enableAliasing(true); // readBytes slices the record's bytes instead of copying them
    ByteString commandId = ByteString.EMPTY;
    ByteString aggregateType = ByteString.EMPTY;
    ByteString aggregateId = ByteString.EMPTY;
    ByteString correlationId = ByteString.EMPTY;
    ByteString causationId = ByteString.EMPTY;
    ByteString replyTo = ByteString.EMPTY;
    ByteString commandType = ByteString.EMPTY;
    ByteString commandData = ByteString.EMPTY;
    // the high bits of every text field's bytes: most commands' text is ASCII, which is UTF-8, and
    // the seven checks of checkUtf8 run only when a byte is not
    long highBits = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == COMMAND_ID) {
        commandId = in.readBytes();
        highBits |= highBits(value, in, commandId);
      } else if (tag == AGGREGATE_TYPE) {
        aggregateType = in.readBytes();
        highBits |= highBits(value, in, aggregateType);
      } else if (tag == AGGREGATE_ID) {
        aggregateId = in.readBytes();
        highBits |= highBits(value, in, aggregateId);
      } else if (tag == CORRELATION_ID) {
        correlationId = in.readBytes();
        highBits |= highBits(value, in, correlationId);
      } else if (tag == CAUSATION_ID) {
        causationId = in.readBytes();
        highBits |= highBits(value, in, causationId);
      } else if (tag == REPLY_TO) {
        replyTo = in.readBytes();
        highBits |= highBits(value, in, replyTo);
      } else if (tag == COMMAND) {
        int outer = in.pushLimit(in.readRawVarint32());
        for (int inner = in.readTag(); inner != 0; inner = in.readTag()) {
          if (inner == TYPE_NAME) {
            commandType = in.readBytes();
            highBits |= highBits(value, in, commandType);
          } else if (inner == DATA) {
            commandData = in.readBytes();
          } else if (!in.skipField(inner)) {
            break;
          }
        }
        in.checkLastTagWas(0);
        in.popLimit(outer);
      } else if (!in.skipField(tag)) {
        break; // an end-group tag, refused below as the generated parser refuses it
      }
    }
    in.checkLastTagWas(0);
    IncomingCommand command = new IncomingCommand(commandId, aggregateType, aggregateId, correlationId, causationId,
        replyTo, commandType, commandData);
    if ((highBits & ASCII_HIGH_BITS) != 0) {
      command.checkUtf8();
    }
    return command;
  }

  /**
   * @return the bytes of {@code text}, just read from {@code value} by {@code in}, OR-ed together 8 at
   *     a time: {@link #ASCII_HIGH_BITS} of it is 0 if they are all ASCII
   */
  private static long highBits(byte[] value, CodedInputStream in, ByteString text) {
    int end = in.getTotalBytesRead();
    int at = end - text.size();
    long bits = 0;
    for (; at + Long.BYTES <= end; at += Long.BYTES) {
      bits |= (long) LONGS.get(value, at);
    }
    for (; at < end; at++) {
      bits |= value[at];
    }
    return bits;
  }

  /** @throws InvalidProtocolBufferException naming the first text field that is not UTF-8 */
  private void checkUtf8() throws InvalidProtocolBufferException {
    checkUtf8("command_id", commandId);
    checkUtf8("aggregate_type", aggregateType);
    checkUtf8("aggregate_id", aggregateId);
    checkUtf8("correlation_id", correlationId);
    checkUtf8("causation_id", causationId);
    checkUtf8("reply_to", replyTo);
    checkUtf8("command.type_name", commandType);
  }

  private static void checkUtf8(String field, ByteString text) throws InvalidProtocolBufferException {
    if (!text.isValidUtf8()) {
      throw new InvalidProtocolBufferException("Field " + field + " of the CommandRecord is not valid UTF-8");
    }
  }
}
