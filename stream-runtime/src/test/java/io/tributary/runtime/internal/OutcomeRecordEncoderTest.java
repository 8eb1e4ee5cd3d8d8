package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Position;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link OutcomeRecordEncoder} writes the bytes the generated code writes for the same acceptance. */
class OutcomeRecordEncoderTest {
  @Property
  void writesWhatTheGeneratedCodeWrites(@ForAll("texts") String commandId, @ForAll("texts") String aggregateType,
      @ForAll("texts") String aggregateId, @ForAll("numbers") long version, @ForAll("counts") int eventCount,
      @ForAll("counts") int partition, @ForAll("numbers") long offset) {
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
  Arbitrary<Integer> counts() {
    return Arbitraries.oneOf(List.of(Arbitraries.just(0), Arbitraries.integers(), Arbitraries.integers().between(1, 5)));
  }
}
