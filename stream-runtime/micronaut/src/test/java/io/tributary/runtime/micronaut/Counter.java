package io.tributary.runtime.micronaut;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Int64Value;
import com.google.protobuf.UInt64Value;
import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.definition.AggregateDefinition;

/**
 * A tiny aggregate over well-known types: a command adds a positive amount to counter {@code c-1},
 * the event records it, the state is the total.
 */
final class Counter implements Aggregate<Int32Value, UInt64Value, Int64Value> {
  static AggregateDefinition<Int32Value, UInt64Value, Int64Value> definition() {
    return AggregateDefinition.of("Counter", new Counter())
        .commands(Int32Value.getDefaultInstance())
        .events(Int64Value.getDefaultInstance())
        .keyedBy(command -> "c-1");
  }

  @Override
  public UInt64Value initialState() {
    return UInt64Value.getDefaultInstance();
  }

  @Override
  public Decision<Int64Value> decide(Int32Value command, UInt64Value state) {
    if (command.getValue() <= 0) {
      return Decision.reject("AMOUNT_NOT_POSITIVE", "amount %d is not positive", command.getValue());
    }
    return Decision.accept(Int64Value.of(command.getValue()));
  }

  @Override
  public UInt64Value evolve(UInt64Value state, Int64Value event) {
    return UInt64Value.of(state.getValue() + event.getValue());
  }
}
