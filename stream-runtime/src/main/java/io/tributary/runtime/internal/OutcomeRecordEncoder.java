package io.tributary.runtime.internal;

import static io.tributary.runtime.internal.ProtoFields.bytesSize;
import static io.tributary.runtime.internal.ProtoFields.messageSize;
import static io.tributary.runtime.internal.ProtoFields.startMessage;
import static io.tributary.runtime.internal.ProtoFields.writeBytes;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Position;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the bytes of an acceptance's {@link OutcomeRecord} straight from its fields, the bytes the
 * generated code writes for the same record ({@link WireFormat#acceptance}), without building it and
 * its nested messages first: the store writer writes one per command as its dedupe entry, and
 * building them was about a tenth of its samples on Zipf keys. {@code OutcomeRecordEncoderTest} checks
 * the bytes against the generated code's, and fails once records.proto gives these messages a field.
 */
final class OutcomeRecordEncoder {
  private OutcomeRecordEncoder() {}

  /** @return the bytes of {@link WireFormat#acceptance} of the same arguments; the ids as UTF-8 */
  static byte[] acceptance(ByteString commandId, ByteString aggregateType, ByteString aggregateId, long version,
      int eventCount, int partition, long lastEventOffset) {
    int positionSize = (partition == 0 ? 0
        : CodedOutputStream.computeInt32Size(Position.PARTITION_FIELD_NUMBER, partition))
        + (lastEventOffset == 0 ? 0
            : CodedOutputStream.computeInt64Size(Position.OFFSET_FIELD_NUMBER, lastEventOffset));
    int acceptedSize = (version == 0 ? 0
        : CodedOutputStream.computeInt64Size(OutcomeRecord.Accepted.VERSION_FIELD_NUMBER, version))
        + (eventCount == 0 ? 0
            : CodedOutputStream.computeInt32Size(OutcomeRecord.Accepted.EVENT_COUNT_FIELD_NUMBER, eventCount))
        + messageSize(OutcomeRecord.Accepted.LAST_EVENT_FIELD_NUMBER, positionSize);
    int size = bytesSize(OutcomeRecord.COMMAND_ID_FIELD_NUMBER, commandId)
        + bytesSize(OutcomeRecord.AGGREGATE_TYPE_FIELD_NUMBER, aggregateType)
        + bytesSize(OutcomeRecord.AGGREGATE_ID_FIELD_NUMBER, aggregateId)
        + messageSize(OutcomeRecord.ACCEPTED_FIELD_NUMBER, acceptedSize);
    byte[] record = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(record);
    try {
      writeBytes(out, OutcomeRecord.COMMAND_ID_FIELD_NUMBER, commandId);
      writeBytes(out, OutcomeRecord.AGGREGATE_TYPE_FIELD_NUMBER, aggregateType);
      writeBytes(out, OutcomeRecord.AGGREGATE_ID_FIELD_NUMBER, aggregateId);
      startMessage(out, OutcomeRecord.ACCEPTED_FIELD_NUMBER, acceptedSize);
      if (version != 0) {
        out.writeInt64(OutcomeRecord.Accepted.VERSION_FIELD_NUMBER, version);
      }
      if (eventCount != 0) {
        out.writeInt32(OutcomeRecord.Accepted.EVENT_COUNT_FIELD_NUMBER, eventCount);
      }
      startMessage(out, OutcomeRecord.Accepted.LAST_EVENT_FIELD_NUMBER, positionSize);
      if (partition != 0) {
        out.writeInt32(Position.PARTITION_FIELD_NUMBER, partition);
      }
      if (lastEventOffset != 0) {
        out.writeInt64(Position.OFFSET_FIELD_NUMBER, lastEventOffset);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      // the array is sized for exactly these fields: a shortfall is a bug here, not bad input
      throw new UncheckedIOException("An outcome record did not encode to its computed size of " + size + " bytes", e);
    }
    return record;
  }
}
