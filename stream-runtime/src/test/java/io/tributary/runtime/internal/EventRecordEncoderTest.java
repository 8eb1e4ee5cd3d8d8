package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link EventRecordEncoder} writes the bytes the generated code writes for the same fields. */
class EventRecordEncoderTest {
  @Property
  void writesWhatTheGeneratedCodeWrites(@ForAll("texts") String aggregateType, @ForAll("texts") String aggregateId,
      @ForAll("numbers") long sequence, @ForAll("texts") String commandId, @ForAll("texts") String correlationId,
      @ForAll("texts") String causationId, @ForAll("numbers") long timestampMicros, @ForAll("texts") String eventType,
      @ForAll("data") byte[] eventData, @ForAll("counts") int commandEvents) {
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

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(List.of(Arbitraries.just(""), Arbitraries.strings().ofMaxLength(200),
        Arbitraries.strings().withCharRange('a', 'z').ofLength(36)));
  }

  @Provide
  Arbitrary<Long> numbers() {
    return Arbitraries.oneOf(List.of(Arbitraries.just(0L), Arbitraries.longs(), Arbitraries.longs().between(1, 1000)));
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<Integer> counts() {
    return Arbitraries.oneOf(List.of(Arbitraries.just(0), Arbitraries.integers(), Arbitraries.integers().between(1, 5)));
  }
}
