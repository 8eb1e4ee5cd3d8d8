package io.tributary.core.definition;

import com.google.protobuf.Message;
import io.tributary.core.Aggregate;
import io.tributary.core.annotation.Stable;
import io.tributary.core.codec.Codec;
import io.tributary.core.codec.ProtobufCodec;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a service declares an aggregate: its stable type name, the aggregate, the codecs of its
 * commands and events, and the key that routes a command to its aggregate. Immutable; each {@code
 * withX}-style method returns a copy. Nothing is checked here: {@link ServiceDefinition.Builder#build()}
 * checks every declaration at once and names each fix.
 *
 * <pre>{@code
 * AggregateDefinition.of("Post", new Post())
 *     .commands(PostCommand.getDefaultInstance())
 *     .events(PostEvent.getDefaultInstance())
 *     .keyedBy(PostCommand::getPostId)
 * }</pre>
 *
 * @param <C> the command message
 * @param <S> the state message
 * @param <E> the event message
 */
@Stable
public final class AggregateDefinition<C extends Message, S extends Message, E extends Message> {
  private final String type;
  private final Aggregate<C, S, E> aggregate;
  private final @Nullable Codec<C> commandCodec;
  private final @Nullable Codec<E> eventCodec;
  private final @Nullable Codec<S> stateCodec;
  private final @Nullable Function<C, String> key;

  private AggregateDefinition(
      String type,
      Aggregate<C, S, E> aggregate,
      @Nullable Codec<C> commandCodec,
      @Nullable Codec<E> eventCodec,
      @Nullable Codec<S> stateCodec,
      @Nullable Function<C, String> key) {
    this.type = Objects.requireNonNull(type, "type");
    this.aggregate = Objects.requireNonNull(aggregate, "aggregate");
    this.commandCodec = commandCodec;
    this.eventCodec = eventCodec;
    this.stateCodec = stateCodec;
    this.key = key;
  }

  /**
   * @param type the stable aggregate type name, e.g. {@code Post}; it appears in commands and in the log
   * @param aggregate the pure decide/evolve functions
   */
  public static <C extends Message, S extends Message, E extends Message> AggregateDefinition<C, S, E> of(
      String type, Aggregate<C, S, E> aggregate) {
    return new AggregateDefinition<>(type, aggregate, null, null, null, null);
  }

  /** @return a copy whose commands use the Protocol Buffers codec of {@code defaultInstance} */
  public AggregateDefinition<C, S, E> commands(C defaultInstance) {
    return commands(ProtobufCodec.of(defaultInstance));
  }

  /** @return a copy whose commands use {@code codec} */
  public AggregateDefinition<C, S, E> commands(Codec<C> codec) {
    return new AggregateDefinition<>(type, aggregate, codec, eventCodec, stateCodec, key);
  }

  /** @return a copy whose events use the Protocol Buffers codec of {@code defaultInstance} */
  public AggregateDefinition<C, S, E> events(E defaultInstance) {
    return events(ProtobufCodec.of(defaultInstance));
  }

  /** @return a copy whose events use {@code codec} */
  public AggregateDefinition<C, S, E> events(Codec<E> codec) {
    return new AggregateDefinition<>(type, aggregate, commandCodec, codec, stateCodec, key);
  }

  /**
   * @return a copy whose state uses {@code codec}; without it the state uses the Protocol Buffers
   *     codec of {@link Aggregate#initialState()}'s type
   */
  public AggregateDefinition<C, S, E> state(Codec<S> codec) {
    return new AggregateDefinition<>(type, aggregate, commandCodec, eventCodec, codec, key);
  }

  /**
   * @param key returns the aggregate id a command is for, e.g. {@code PostCommand::getPostId}; it
   *     picks the command's partition, so it must be a pure function of the command
   */
  public AggregateDefinition<C, S, E> keyedBy(Function<C, String> key) {
    return new AggregateDefinition<>(type, aggregate, commandCodec, eventCodec, stateCodec, key);
  }

  /** @return the declared type name */
  public String type() {
    return type;
  }

  Aggregate<C, S, E> aggregate() {
    return aggregate;
  }

  @Nullable Codec<C> commandCodec() {
    return commandCodec;
  }

  @Nullable Codec<E> eventCodec() {
    return eventCodec;
  }

  @Nullable Codec<S> stateCodec() {
    return stateCodec;
  }

  @Nullable Function<C, String> key() {
    return key;
  }
}
