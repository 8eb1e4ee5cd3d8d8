package io.tributary.runtime.internal;

import static io.tributary.runtime.internal.RecordFieldValues.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.tributary.runtime.internal.RecordFieldValues.Counts;
import io.tributary.runtime.internal.RecordFieldValues.Numbers;
import io.tributary.runtime.internal.RecordFieldValues.Texts;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.Payload;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link EventRecordEncoder} writes the bytes the generated code writes for the same fields. */
class EventRecordEncoderTest {
  @Property
  void writesWhatTheGeneratedCodeWrites(@ForAll(supplier = Texts.class) String aggregateType,
      @ForAll(supplier = Texts.class) String aggregateId, @ForAll(supplier = Numbers.class) long sequence,
      @ForAll(supplier = Texts.class) String commandId, @ForAll(supplier = Texts.class) String correlationId,
      @ForAll(supplier = Texts.class) String causationId, @ForAll(supplier = Numbers.class) long timestampMicros,
      @ForAll(supplier = Texts.class) String eventType, @ForAll("data") byte[] eventData,
      @ForAll(supplier = Counts.class) int commandEvents) {
    EventRecord generated = EventRecord.newBuilder().setAggregateType(aggregateType).setAggregateId(aggregateId)
        .setSequence(sequence).setCommandId(commandId).setCorrelationId(correlationId).setCausationId(causationId)
        .setTimestampMicros(timestampMicros)
        .setEvent(Payload.newBuilder().setTypeName(eventType).setData(ByteString.copyFrom(eventData)))
        .setCommandEvents(commandEvents)
        .build();

    byte[] encoded = EventRecordEncoder.encode(utf8(aggregateType), utf8(aggregateId), sequence, utf8(commandId),
        utf8(correlationId), utf8(causationId), timestampMicros, utf8(eventType), eventData, commandEvents);

    assertThat(encoded).isEqualTo(generated.toByteArray());
  }

  @Test
  void writesAnEmptyPayloadAsTheGeneratedCodeDoes() {
    EventRecord generated = EventRecord.newBuilder().setEvent(Payload.getDefaultInstance()).build();

    assertThat(EventRecordEncoder.encode(ByteString.EMPTY, ByteString.EMPTY, 0, ByteString.EMPTY, ByteString.EMPTY,
        ByteString.EMPTY, 0, ByteString.EMPTY, new byte[0], 0)).isEqualTo(generated.toByteArray()).hasSize(2);
  }

  @Test
  void knowsEveryFieldOfAnEventRecordAndItsPayload() {
    // a field added to records.proto must be written by the encoder too: this fails until it is
    assertThat(EventRecord.getDescriptor().getFields()).extracting(FieldDescriptor::getName).containsExactly(
        "aggregate_type", "aggregate_id", "sequence", "command_id", "correlation_id", "causation_id",
        "timestamp_micros", "event", "command_events");
    assertThat(Payload.getDescriptor().getFields()).extracting(FieldDescriptor::getName)
        .containsExactly("type_name", "data");
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }
}
