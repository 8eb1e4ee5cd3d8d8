package io.tributary.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ProtobufCodecTest {
  private final ProtobufCodec<Timestamp> codec = ProtobufCodec.of(Timestamp.getDefaultInstance());

  @Test
  void namesTheTypeAfterItsProtobufFullName() {
    assertThat(codec.typeName()).isEqualTo("google.protobuf.Timestamp");
    assertThat(codec.named("tributary.test.Instant").typeName()).isEqualTo("tributary.test.Instant");
  }

  @Property
  void decodesWhatItEncodes(@ForAll long seconds, @ForAll int nanos) {
    Timestamp value = Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();

    assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
  }

  @Test
  void saysWhichTypeAndHowManyBytesFailedToDecode() {
    byte[] corrupt = {(byte) 0x0a, (byte) 0xff, (byte) 0xff};

    assertThatThrownBy(() -> ProtobufCodec.of(StringValue.getDefaultInstance()).decode(corrupt))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("Cannot decode 3 bytes as 'google.protobuf.StringValue'")
        .hasMessageContaining("check the type name the producer recorded");
  }

  @Test
  void rejectsAnInvalidTypeName() {
    assertThatThrownBy(() -> codec.named("my type"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'my type' is not valid");
  }
}
