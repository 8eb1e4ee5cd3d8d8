package io.tributary.runtime.internal;

import static io.tributary.runtime.internal.RecordFieldValues.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.tributary.runtime.internal.RecordFieldValues.Counts;
import io.tributary.runtime.internal.RecordFieldValues.Numbers;
import io.tributary.runtime.internal.RecordFieldValues.Texts;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Position;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** {@link OutcomeRecordEncoder} writes the bytes the generated code writes for the same acceptance. */
class OutcomeRecordEncoderTest {
  @Property
  void writesWhatTheGeneratedCodeWrites(@ForAll(supplier = Texts.class) String commandId,
      @ForAll(supplier = Texts.class) String aggregateType, @ForAll(supplier = Texts.class) String aggregateId,
      @ForAll(supplier = Numbers.class) long version, @ForAll(supplier = Counts.class) int eventCount,
      @ForAll(supplier = Counts.class) int partition, @ForAll(supplier = Numbers.class) long offset) {
    OutcomeRecord generated = WireFormat.acceptance(utf8(commandId), utf8(aggregateType), utf8(aggregateId), version,
        eventCount, partition, offset);

    byte[] encoded = OutcomeRecordEncoder.acceptance(utf8(commandId), utf8(aggregateType), utf8(aggregateId), version,
        eventCount, partition, offset);

    assertThat(encoded).isEqualTo(generated.toByteArray());
  }

  @Test
  void writesTheEmptyAcceptanceAndPositionAsTheGeneratedCodeDoes() {
    byte[] encoded = OutcomeRecordEncoder.acceptance(ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY, 0, 0, 0, 0);

    assertThat(encoded).isEqualTo(WireFormat.acceptance(ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY, 0, 0,
        0, 0).toByteArray()).hasSize(4);
  }

  @Test
  void knowsEveryFieldOfAnAcceptance() {
    // a field added to records.proto must be written by the encoder too: this fails until it is
    assertThat(OutcomeRecord.getDescriptor().getFields()).extracting(FieldDescriptor::getName).containsExactly(
        "command_id", "aggregate_type", "aggregate_id", "accepted", "rejected", "failed", "duplicate");
    assertThat(OutcomeRecord.Accepted.getDescriptor().getFields()).extracting(FieldDescriptor::getName)
        .containsExactly("version", "event_count", "last_event");
    assertThat(Position.getDescriptor().getFields()).extracting(FieldDescriptor::getName)
        .containsExactly("partition", "offset");
  }
}
