package io.tributary.core.definition;

import com.google.protobuf.Message;
import io.tributary.core.Aggregate;
import io.tributary.core.annotation.Stable;
import io.tributary.core.codec.Codec;
import java.util.function.Function;

/**
 * A checked, registered aggregate: what the runtime, the fixtures and the tools work with. Obtained
 * from {@link ServiceDefinition#aggregate(String)}; every part is present. Immutable and thread-safe
 * as long as the aggregate is.
 *
 * @param <C> the command message
 * @param <S> the state message
 * @param <E> the event message
 */
@Stable
public final class AggregateType<C extends Message, S extends Message, E extends Message> {
  private final String name;
  private final Aggregate<C, S, E> aggregate;
  private final Codec<C> commandCodec;
  private final Codec<E> eventCodec;
  private final Codec<S> stateCodec;
  private final Function<C, String> key;
  private final S initialState;

  AggregateType(
      String name,
      Aggregate<C, S, E> aggregate,
      Codec<C> commandCodec,
      Codec<E> eventCodec,
      Codec<S> stateCodec,
      Function<C, String> key,
      S initialState) {
    this.name = name;
    this.aggregate = aggregate;
    this.commandCodec = commandCodec;
    this.eventCodec = eventCodec;
    this.stateCodec = stateCodec;
    this.key = key;
    this.initialState = initialState;
  }

  /** @return the stable type name, e.g. {@code Post} */
  public String name() {
    return name;
  }

  /** @return the pure decide/evolve functions */
  public Aggregate<C, S, E> aggregate() {
    return aggregate;
  }

  public Codec<C> commandCodec() {
    return commandCodec;
  }

  public Codec<E> eventCodec() {
    return eventCodec;
  }

  public Codec<S> stateCodec() {
    return stateCodec;
  }

  /** @return the state before any event, as {@link Aggregate#initialState()} returned it at start-up */
  public S initialState() {
    return initialState;
  }

  /**
   * @return the aggregate id {@code command} is for
   * @throws IllegalArgumentException if the key function returns null or a blank id; the message
   *     names the aggregate, the command type and the field to set
   */
  public String aggregateId(C command) {
    String id = key.apply(command);
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException(
          "Command " + commandCodec.typeName() + " for aggregate '" + name + "' has no aggregate id:"
              + " the key function given to keyedBy(...) returned " + (id == null ? "null" : "'" + id + "'")
              + ". Set the id field of the command.");
    }
    return id;
  }

  @Override
  public String toString() {
    return "AggregateType[" + name + "]";
  }
}
