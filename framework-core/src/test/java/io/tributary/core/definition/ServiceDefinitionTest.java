package io.tributary.core.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import com.google.protobuf.UInt64Value;
import io.tributary.core.Aggregate;
import io.tributary.core.Counter;
import io.tributary.core.Decision;
import io.tributary.core.codec.ProtobufCodec;
import io.tributary.core.error.DefinitionException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ServiceDefinitionTest {

  @Test
  void registersAggregatesAndTheirCodecsByTypeName() {
    ServiceDefinition service = ServiceDefinition.builder("drivers").aggregate(Counter.definition()).build();

    assertThat(service.aggregates()).extracting(AggregateType::name).containsExactly("Counter");
    assertThat(service.codecs().typeNames()).containsExactlyInAnyOrder(
        "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt64Value");
    assertThat(service.aggregate("Counter").initialState()).isEqualTo(UInt64Value.getDefaultInstance());
  }

  @Test
  void reportsEveryProblemOfAnAggregateAtOnce() {
    var bare = AggregateDefinition.of("Counter", new Counter());

    assertProblems(() -> ServiceDefinition.builder("drivers").aggregate(bare).build(),
        "Aggregate 'Counter' has no command codec: call .commands(",
        "Aggregate 'Counter' has no event codec: call .events(",
        "Aggregate 'Counter' has no key: call .keyedBy(");
  }

  @Test
  void rejectsATypeDeclaredTwice() {
    assertProblems(() -> ServiceDefinition.builder("drivers")
            .aggregate(Counter.definition())
            .aggregate(AggregateDefinition.of("counter", new Counter())
                .commands(Int32Value.getDefaultInstance()).events(Int64Value.getDefaultInstance()).keyedBy(c -> "x"))
            .build(),
        "Aggregate type 'counter' is declared twice");
  }

  @Test
  void rejectsInvalidServiceAndTypeNames() {
    assertProblems(() -> ServiceDefinition.builder("Drivers App")
            .aggregate(AggregateDefinition.of("post-type", new Counter())
                .commands(Int32Value.getDefaultInstance()).events(Int64Value.getDefaultInstance()).keyedBy(c -> "x"))
            .build(),
        "Service name 'Drivers App' is not valid",
        "Aggregate type 'post-type' is not valid: use UpperCamelCase");
  }

  @Test
  void rejectsTwoTypesUnderOneTypeName() {
    var clashing = Counter.definition()
        .events(ProtobufCodec.of(Int64Value.getDefaultInstance()).named("google.protobuf.Int32Value"));

    assertProblems(() -> ServiceDefinition.builder("drivers").aggregate(clashing).build(),
        "Aggregate 'Counter' uses type 'google.protobuf.Int32Value' for both commands and events",
        "Type name 'google.protobuf.Int32Value' is used by Counter commands");
  }

  @Test
  void reportsAnInitialStateThatFails() {
    Aggregate<StringValue, UInt64Value, Int64Value> broken = new Aggregate<>() {
      @Override
      public UInt64Value initialState() {
        throw new IllegalStateException("reads a file");
      }

      @Override
      public Decision<Int64Value> decide(StringValue command, UInt64Value state) {
        return Decision.accept();
      }

      @Override
      public UInt64Value evolve(UInt64Value state, Int64Value event) {
        return state;
      }
    };

    assertProblems(() -> ServiceDefinition.builder("drivers")
            .aggregate(AggregateDefinition.of("Broken", broken)
                .commands(StringValue.getDefaultInstance()).events(Int64Value.getDefaultInstance()).keyedBy(c -> "x"))
            .build(),
        "Aggregate 'Broken': initialState() threw java.lang.IllegalStateException: reads a file");
  }

  @Test
  void rejectsAProjectionOverAnUnknownAggregate() {
    var projection = ProjectionDefinition.<String>of("post-pages", event -> List.of(), "Pst");

    assertProblems(() -> ServiceDefinition.builder("drivers")
            .aggregate(Counter.definition())
            .projection(projection)
            .projection(new ProjectionDefinition<>("post-pages", 0, List.of("Counter"), projection.handler(), ProjectionDefinition.OnFailure.STOP))
            .build(),
        "Projection 'post-pages' reads events of 'Pst', which is not a declared aggregate; known aggregates: [Counter]",
        "Projection 'post-pages' is declared twice",
        "Projection 'post-pages' has version 0; versions start at 1");
  }

  @Test
  void rejectsAnEmptyService() {
    assertProblems(() -> ServiceDefinition.builder("drivers").build(), "The service declares nothing");
  }

  @Test
  void namesTheKnownTypesWhenAskedForAnUnknownOne() {
    ServiceDefinition service = ServiceDefinition.builder("drivers").aggregate(Counter.definition()).build();

    assertThatThrownBy(() -> service.aggregate("Tribee"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown aggregate type 'Tribee' in service 'drivers'; known types: [Counter]. Register it with"
            + " ServiceDefinition.builder(...).aggregate(AggregateDefinition.of(\"Tribee\", ...)).");
  }

  @Test
  void rejectsACommandWithoutAnAggregateId() {
    var keyless = Counter.definition().keyedBy(command -> "");
    AggregateType<?, ?, ?> type = ServiceDefinition.builder("drivers").aggregate(keyless).build().aggregate("Counter");

    @SuppressWarnings("unchecked")
    AggregateType<Int32Value, UInt64Value, Int64Value> counter = (AggregateType<Int32Value, UInt64Value, Int64Value>) type;
    assertThatThrownBy(() -> counter.aggregateId(Int32Value.of(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Command google.protobuf.Int32Value for aggregate 'Counter' has no aggregate id")
        .hasMessageContaining("Set the id field of the command");
  }

  private static void assertProblems(ThrowingCallable build, String... expected) {
    assertThatThrownBy(build)
        .isInstanceOfSatisfying(DefinitionException.class, e -> {
          assertThat(e.problems()).hasSize(expected.length);
          for (String problem : expected) {
            assertThat(e.problems()).anySatisfy(actual -> assertThat(actual).contains(problem));
          }
          assertThat(e.getMessage()).contains("is invalid (" + expected.length);
        });
  }
}
