package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.ListValue;
import com.google.protobuf.StringValue;
import com.google.protobuf.Value;
import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.codec.Codec;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.error.DefinitionException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AggregateFixtureTest {
  private static final AggregateDefinition<StringValue, ListValue, BytesValue> GARAGE =
      AggregateDefinition.of("Garage", new Garage())
          .commands(StringValue.getDefaultInstance())
          .events(BytesValue.getDefaultInstance())
          .keyedBy(command -> command.getValue().isEmpty() ? "" : "garage-1");

  private final AggregateFixture<StringValue, ListValue, BytesValue> fixture = AggregateFixture.of(GARAGE);

  @Test
  void decidesFromTheFoldedHistoryAndAppliesTheNewEvents() {
    fixture.given(parked("alpine"))
        .when(park("bmw"))
        .thenEvents(parked("bmw"))
        .thenState(garageWith("alpine", "bmw"));
  }

  @Test
  void reportsTheRejectionCode() {
    fixture.given(parked("alpine")).when(park("alpine")).thenRejected("ALREADY_PARKED", "alpine");
  }

  @Test
  void failsWithTheEventsWhenARejectionWasExpected() {
    assertThatThrownBy(() -> fixture.givenNothing().when(park("bmw")).thenRejected("ALREADY_PARKED"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected rejection ALREADY_PARKED")
        .hasMessageContaining("was accepted with events [BytesValue{value: \"bmw\"}]");
  }

  @Test
  void failsWithTheRejectionWhenEventsWereExpected() {
    assertThatThrownBy(() -> fixture.given(parked("bmw")).when(park("bmw")).thenEvents(parked("bmw")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("was rejected with ALREADY_PARKED: bmw is already parked");
  }

  @Test
  void failsWhenAnEventDoesNotSurviveItsCodec() {
    var lossy = AggregateFixture.of(GARAGE.events(new TruncatingCodec()));

    assertThatThrownBy(() -> lossy.givenNothing().when(park("mercedes")).thenNoEvents())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("decided event #1 does not survive its codec 'tributary.test.Truncating'")
        .hasMessageContaining("Check the codec declared in the AggregateDefinition");
  }

  @Test
  void rejectsACommandWithoutAnAggregateId() {
    assertThatThrownBy(() -> fixture.givenNothing().when(park("")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("for aggregate 'Garage' has no aggregate id");
  }

  @Test
  void rejectsANullGivenEvent() {
    assertThatThrownBy(() -> fixture.given(Arrays.asList(parked("a"), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Given event #2 is null");
  }

  @Test
  void rejectsAnInvalidDefinitionWithItsFix() {
    assertThatThrownBy(() -> AggregateFixture.of(AggregateDefinition.of("Garage", new Garage())))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("has no command codec: call .commands(");
  }

  @Test
  void reportsAFailureOfDecide() {
    var outcome = fixture.givenNothing().when(park("boom"));

    outcome.thenFails(IllegalStateException.class);
    assertThatThrownBy(() -> outcome.thenEvents(parked("boom")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("but decide threw java.lang.IllegalStateException: the garage door is stuck");
  }

  @Test
  void failsWhenEvolveFailsForAGivenEvent() {
    assertThatThrownBy(() -> fixture.given(BytesValue.getDefaultInstance()).when(park("bmw")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("evolve failed for given event #1");
  }

  private static StringValue park(String car) {
    return StringValue.of(car);
  }

  private static BytesValue parked(String car) {
    return BytesValue.of(ByteString.copyFromUtf8(car));
  }

  private static ListValue garageWith(String... cars) {
    ListValue.Builder garage = ListValue.newBuilder();
    for (String car : cars) {
      garage.addValues(Value.newBuilder().setStringValue(car));
    }
    return garage.build();
  }

  /** Parks each car once. */
  private static final class Garage implements Aggregate<StringValue, ListValue, BytesValue> {
    @Override
    public ListValue initialState() {
      return ListValue.getDefaultInstance();
    }

    @Override
    public Decision<BytesValue> decide(StringValue command, ListValue state) {
      if (command.getValue().equals("boom")) {
        throw new IllegalStateException("the garage door is stuck");
      }
      boolean parked = state.getValuesList().stream().anyMatch(car -> car.getStringValue().equals(command.getValue()));
      return parked
          ? Decision.reject("ALREADY_PARKED", "%s is already parked", command.getValue())
          : Decision.accept(parked(command.getValue()));
    }

    @Override
    public ListValue evolve(ListValue state, BytesValue event) {
      if (event.getValue().isEmpty()) {
        throw new IllegalStateException("an event without a car");
      }
      return state.toBuilder()
          .addValues(Value.newBuilder().setStringValue(event.getValue().toString(StandardCharsets.UTF_8)))
          .build();
    }
  }

  /** A codec with a schema mistake: it keeps only the first three bytes. */
  private static final class TruncatingCodec implements Codec<BytesValue> {
    @Override
    public String typeName() {
      return "tributary.test.Truncating";
    }

    @Override
    public Class<BytesValue> valueType() {
      return BytesValue.class;
    }

    @Override
    public byte[] encode(BytesValue value) {
      return value.getValue().substring(0, Math.min(3, value.getValue().size())).toByteArray();
    }

    @Override
    public BytesValue decode(byte[] bytes) {
      return BytesValue.of(ByteString.copyFrom(bytes));
    }
  }
}
