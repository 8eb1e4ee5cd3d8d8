package io.tributary.runtime.internal;

import static io.tributary.runtime.internal.ProtoFields.bytesSize;
import static io.tributary.runtime.internal.ProtoFields.messageSize;
import static io.tributary.runtime.internal.ProtoFields.startMessage;
import static io.tributary.runtime.internal.ProtoFields.writeBytes;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes an {@link EventRecord}'s bytes straight from its fields, the bytes the generated code writes
 * for the same fields (ascending field numbers, fields at their default value left out, the payload
 * always present), without building the record and its payload as messages first: the task loop
 * encodes every event it decides, and the builders, messages and their serialization had been about
 * a tenth of its samples (benchmarks README, "Event records written without their builders").
 * {@code EventRecordEncoderTest} checks the bytes against the generated code's, and fails once
 * records.proto gives {@code EventRecord} a field this does not write.
 */
final class EventRecordEncoder {
  private EventRecordEncoder() {}

  /**
   * @return the record's bytes; each text field as UTF-8, as the command carried it
   * @param eventData the event's encoding, kept as it is (not copied into a {@link ByteString})
   */
  static byte[] encode(ByteString aggregateType, ByteString aggregateId, long sequence, ByteString commandId,
      ByteString correlationId, ByteString causationId, long timestampMicros, ByteString eventType, byte[] eventData,
      int commandEvents) {
    int payloadSize = bytesSize(Payload.TYPE_NAME_FIELD_NUMBER, eventType)
        + (eventData.length == 0 ? 0 : CodedOutputStream.computeByteArraySize(Payload.DATA_FIELD_NUMBER, eventData));
    int size = bytesSize(EventRecord.AGGREGATE_TYPE_FIELD_NUMBER, aggregateType)
        + bytesSize(EventRecord.AGGREGATE_ID_FIELD_NUMBER, aggregateId)
        + (sequence == 0 ? 0 : CodedOutputStream.computeInt64Size(EventRecord.SEQUENCE_FIELD_NUMBER, sequence))
        + bytesSize(EventRecord.COMMAND_ID_FIELD_NUMBER, commandId)
        + bytesSize(EventRecord.CORRELATION_ID_FIELD_NUMBER, correlationId)
        + bytesSize(EventRecord.CAUSATION_ID_FIELD_NUMBER, causationId)
        + (timestampMicros == 0 ? 0
            : CodedOutputStream.computeInt64Size(EventRecord.TIMESTAMP_MICROS_FIELD_NUMBER, timestampMicros))
        + messageSize(EventRecord.EVENT_FIELD_NUMBER, payloadSize)
        + (commandEvents == 0 ? 0
            : CodedOutputStream.computeInt32Size(EventRecord.COMMAND_EVENTS_FIELD_NUMBER, commandEvents));
    byte[] record = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(record);
    try {
      writeBytes(out, EventRecord.AGGREGATE_TYPE_FIELD_NUMBER, aggregateType);
      writeBytes(out, EventRecord.AGGREGATE_ID_FIELD_NUMBER, aggregateId);
      if (sequence != 0) {
        out.writeInt64(EventRecord.SEQUENCE_FIELD_NUMBER, sequence);
      }
      writeBytes(out, EventRecord.COMMAND_ID_FIELD_NUMBER, commandId);
      writeBytes(out, EventRecord.CORRELATION_ID_FIELD_NUMBER, correlationId);
      writeBytes(out, EventRecord.CAUSATION_ID_FIELD_NUMBER, causationId);
      if (timestampMicros != 0) {
        out.writeInt64(EventRecord.TIMESTAMP_MICROS_FIELD_NUMBER, timestampMicros);
      }
      startMessage(out, EventRecord.EVENT_FIELD_NUMBER, payloadSize);
      writeBytes(out, Payload.TYPE_NAME_FIELD_NUMBER, eventType);
      if (eventData.length != 0) {
        out.writeByteArray(Payload.DATA_FIELD_NUMBER, eventData);
      }
      if (commandEvents != 0) {
        out.writeInt32(EventRecord.COMMAND_EVENTS_FIELD_NUMBER, commandEvents);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      // the array is sized for exactly these fields: a shortfall is a bug here, not bad input
      throw new UncheckedIOException("An event record did not encode to its computed size of " + size + " bytes", e);
    }
    return record;
  }
}
