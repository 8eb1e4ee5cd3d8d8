package io.tributary.testkit;

import com.google.protobuf.Message;
import io.tributary.core.Decision;
import io.tributary.core.Rejection;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.codec.Codec;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Given-when-then tests for an aggregate, with no broker and no state store. Every command, event
 * and state passes through its codec's bytes on the way in and out, so a schema or codec mistake
 * fails here, in a unit test, rather than in production:
 *
 * <pre>{@code
 * AggregateFixture.of(Post.DEFINITION)
 *     .given(published, archived)
 *     .when(bump)
 *     .thenRejected("POST_ARCHIVED");
 * }</pre>
 *
 * <p>Failed expectations throw {@link AssertionError} with the decision that was made; misuse
 * (a command without an aggregate id, a null event) throws {@link IllegalArgumentException}. A
 * fixture is immutable and may be shared between tests.
 *
 * @param <C> the command message
 * @param <S> the state message
 * @param <E> the event message
 */
@Evolving
public final class AggregateFixture<C extends Message, S extends Message, E extends Message> {
  private final AggregateType<C, S, E> type;

  private AggregateFixture(AggregateType<C, S, E> type) {
    this.type = type;
  }

  /**
   * @return a fixture for the aggregate {@code definition} declares
   * @throws io.tributary.core.error.DefinitionException if the declaration is invalid, naming each fix
   */
  public static <C extends Message, S extends Message, E extends Message> AggregateFixture<C, S, E> of(
      AggregateDefinition<C, S, E> definition) {
    ServiceDefinition service = ServiceDefinition.builder("fixture").aggregate(definition).build();
    @SuppressWarnings("unchecked")
    AggregateType<C, S, E> type = (AggregateType<C, S, E>) service.aggregate(definition.type());
    return new AggregateFixture<>(type);
  }

  /** @return a history of {@code events}, applied in order to the initial state */
  @SafeVarargs
  public final History given(E... events) {
    return given(Arrays.asList(events));
  }

  /** @return a history of {@code events}, applied in order to the initial state */
  public History given(List<E> events) {
    List<E> checked = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      E event = events.get(i);
      if (event == null) {
        throw new IllegalArgumentException("Given event #" + (i + 1) + " is null; pass the events the aggregate"
            + " accepted earlier, in order.");
      }
      checked.add(event);
    }
    return new History(List.copyOf(checked));
  }

  /** @return an empty history: the aggregate does not exist yet */
  public History givenNothing() {
    return new History(List.of());
  }

  /** The events an aggregate accepted before the command under test. */
  public final class History {
    private final List<E> events;

    private History(List<E> events) {
      this.events = events;
    }

    /**
     * Folds the history, then decides {@code command} and applies the events it produced.
     *
     * @throws IllegalArgumentException if the command has no aggregate id
     * @throws AssertionError if any value does not survive its codec, or if {@code evolve} fails
     *     for a given event
     */
    public Outcome when(C command) {
      Objects.requireNonNull(command, "command: pass the command under test");
      S state = roundTrip(type.initialState(), type.stateCodec(), "the initial state");
      for (int i = 0; i < events.size(); i++) {
        E event = roundTrip(events.get(i), type.eventCodec(), "given event #" + (i + 1));
        state = evolve(state, event, "given event #" + (i + 1));
      }
      C decoded = roundTrip(command, type.commandCodec(), "the command");
      type.aggregateId(decoded);
      Decision<E> decision;
      try {
        decision = type.aggregate().decide(decoded, state);
      } catch (RuntimeException e) {
        return new Outcome(command, null, state, e);
      }
      if (decision instanceof Decision.Accepted<E> accepted) {
        List<E> produced = new ArrayList<>();
        for (int i = 0; i < accepted.events().size(); i++) {
          E event = roundTrip(accepted.events().get(i), type.eventCodec(), "decided event #" + (i + 1));
          produced.add(event);
          state = evolve(state, event, "decided event #" + (i + 1));
        }
        decision = Decision.accept(produced);
      }
      return new Outcome(command, decision, state, null);
    }

    private S evolve(S state, E event, String what) {
      S next;
      try {
        next = type.aggregate().evolve(state, event);
      } catch (RuntimeException e) {
        throw new AssertionError("evolve failed for " + what + " " + describe(event) + ": " + e, e);
      }
      if (next == null) {
        throw new AssertionError("evolve returned null for " + what + " " + describe(event)
            + "; return the new state (or the unchanged one).");
      }
      return roundTrip(next, type.stateCodec(), "the state after " + what);
    }
  }

  /** The decision for the command under test and the resulting state. Then-methods chain. */
  public final class Outcome {
    private final C command;
    private final @Nullable Decision<E> decision;
    private final S state;
    private final @Nullable RuntimeException failure;

    private Outcome(C command, @Nullable Decision<E> decision, S state, @Nullable RuntimeException failure) {
      this.command = command;
      this.decision = decision;
      this.state = state;
      this.failure = failure;
    }

    /** Expects the command accepted with exactly {@code expected}, in order. */
    @SafeVarargs
    public final Outcome thenEvents(E... expected) {
      List<E> actual = acceptedEvents("events " + Arrays.toString(expected));
      if (!actual.equals(List.of(expected))) {
        throw new AssertionError("Expected events " + describeAll(List.of(expected)) + "\n but "
            + describe(command) + " produced " + describeAll(actual));
      }
      return this;
    }

    /** Expects the command accepted with no events (an accepted no-op). */
    public Outcome thenNoEvents() {
      List<E> actual = acceptedEvents("no events");
      if (!actual.isEmpty()) {
        throw new AssertionError("Expected no events, but " + describe(command) + " produced " + describeAll(actual));
      }
      return this;
    }

    /** Expects the command rejected with {@code code}. */
    public Outcome thenRejected(String code) {
      rejection("rejection " + code, code);
      return this;
    }

    /** Expects the command rejected with {@code code} and a message containing {@code messagePart}. */
    public Outcome thenRejected(String code, String messagePart) {
      Rejection rejection = rejection("rejection " + code, code);
      if (!rejection.message().contains(messagePart)) {
        throw new AssertionError("Expected the " + code + " message to contain '" + messagePart + "', but it was '"
            + rejection.message() + "'");
      }
      return this;
    }

    /** Expects the state after the history and the decided events to equal {@code expected}. */
    public Outcome thenState(S expected) {
      rethrowFailure("state " + describe(expected));
      if (!state.equals(expected)) {
        throw new AssertionError("Expected state " + describe(expected) + "\n but it was " + describe(state));
      }
      return this;
    }

    /** Expects {@code decide} to have thrown {@code type}; such a command fails alone, with an error outcome. */
    public Outcome thenFails(Class<? extends RuntimeException> expected) {
      if (failure == null) {
        throw new AssertionError("Expected decide to throw " + expected.getSimpleName() + ", but "
            + describe(command) + " was decided as " + describeDecision());
      }
      if (!expected.isInstance(failure)) {
        throw new AssertionError("Expected decide to throw " + expected.getSimpleName() + ", but it threw " + failure,
            failure);
      }
      return this;
    }

    private List<E> acceptedEvents(String expectation) {
      rethrowFailure(expectation);
      if (decision instanceof Decision.Accepted<E> accepted) {
        return accepted.events();
      }
      throw new AssertionError("Expected " + expectation + ", but " + describe(command) + " was " + describeDecision());
    }

    private Rejection rejection(String expectation, String code) {
      rethrowFailure(expectation);
      if (decision instanceof Decision.Rejected<E> rejected) {
        if (!rejected.rejection().code().equals(code)) {
          throw new AssertionError("Expected rejection " + code + ", but " + describe(command) + " was "
              + describeDecision());
        }
        return rejected.rejection();
      }
      throw new AssertionError("Expected " + expectation + ", but " + describe(command) + " was " + describeDecision());
    }

    private void rethrowFailure(String expectation) {
      if (failure != null) {
        throw new AssertionError("Expected " + expectation + ", but decide threw " + failure, failure);
      }
    }

    private String describeDecision() {
      if (decision instanceof Decision.Rejected<E> rejected) {
        return "rejected with " + rejected.rejection().code() + ": " + rejected.rejection().message();
      }
      if (decision instanceof Decision.Accepted<E> accepted) {
        return "accepted with events " + describeAll(accepted.events());
      }
      return "not decided: decide threw " + failure;
    }
  }

  private static <T> T roundTrip(T value, Codec<T> codec, String what) {
    if (!codec.valueType().isInstance(value)) {
      throw new AssertionError(what + " is a " + value.getClass().getName() + ", but its codec '" + codec.typeName()
          + "' encodes " + codec.valueType().getName() + ". Declare the right message type in the AggregateDefinition.");
    }
    T decoded = codec.decode(codec.encode(value));
    if (!decoded.equals(value)) {
      throw new AssertionError(what + " does not survive its codec '" + codec.typeName() + "':\n  before: "
          + describe(value) + "\n  after:  " + describe(decoded)
          + "\nCheck the codec declared in the AggregateDefinition and the .proto field types.");
    }
    return decoded;
  }

  private static String describe(Object value) {
    if (value instanceof Message message) {
      String text = message.toString().strip().replace('\n', ' ');
      return message.getDescriptorForType().getName() + "{" + text + "}";
    }
    return String.valueOf(value);
  }

  private static String describeAll(List<?> values) {
    return values.stream().map(AggregateFixture::describe).toList().toString();
  }
}
