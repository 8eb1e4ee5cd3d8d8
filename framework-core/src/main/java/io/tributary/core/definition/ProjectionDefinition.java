package io.tributary.core.definition;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.KeyedState;
import io.tributary.core.Projection;
import io.tributary.core.StatefulProjection;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.codec.Codec;
import io.tributary.core.codec.ProtobufCodec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a service declares a projection: a stable name, a version (a new version is rebuilt from the
 * start of the log beside the old one, then takes over), the aggregate types whose events it reads,
 * its handler, and what happens to an event the handler or the sink cannot take. Immutable; checked
 * by {@link ServiceDefinition.Builder#build()}.
 *
 * @param name kebab-case, e.g. {@code post-pages}; it names the consumer group and the sink's keys
 * @param version 1 or more
 * @param sources the aggregate types whose events the projection reads
 * @param handler turns each event into updates, with the projection's keyed state if it has one
 * @param onFailure what a permanent failure on one event does: stop its partition (the default) or
 *     park the event and go on
 * @param <U> the update type of the projection's sink
 */
@Experimental
public record ProjectionDefinition<U>(
    String name, int version, List<String> sources, Handler<?, U> handler, OnFailure onFailure) {

  /** What a permanent failure on one event (a handler bug, a mapping conflict) does. */
  public enum OnFailure {
    /** The event's partition stops before it; nothing after it is applied until a restart. */
    STOP,
    /**
     * The event, its position and the error go to {@code <service>.<projection>.parked}; the
     * partition goes on after it. Counted in the runner's status and metrics.
     */
    PARK
  }

  /**
   * The projection function and the codec of its keyed state.
   *
   * @param stateCodec the codec of the keyed state's values; null for a stateless projection
   * @param function the projection function
   * @param <S> the state value type ({@link Empty} for a stateless projection)
   * @param <U> the update type
   */
  public record Handler<S extends Message, U>(@Nullable Codec<S> stateCodec, StatefulProjection<S, U> function) {
    public Handler {
      Objects.requireNonNull(function, "function");
    }

    /** @return true if the projection keeps keyed state */
    public boolean stateful() {
      return stateCodec != null;
    }

    /** @return the state codec of a stateful projection */
    public Optional<Codec<S>> state() {
      return Optional.ofNullable(stateCodec);
    }

    /**
     * Projects {@code event} with the keyed state stored as bytes in {@code state}.
     *
     * @throws IllegalStateException if the projection is stateful and {@code state} is null
     */
    public List<U> project(EventEnvelope<? extends Message> event, @Nullable KeyedState<byte[]> state) {
      if (stateCodec == null) {
        return function.project(event, NoState.instance());
      }
      if (state == null) {
        throw new IllegalStateException("This projection keeps keyed state; pass the partition's state store.");
      }
      return function.project(event, KeyedState.over(state, stateCodec));
    }
  }

  public ProjectionDefinition {
    Objects.requireNonNull(name, "name");
    sources = List.copyOf(sources);
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(onFailure, "onFailure");
  }

  /** @return version 1 of a stateless projection that reads the events of {@code sources} and stops on failure */
  public static <U> ProjectionDefinition<U> of(String name, Projection<U> handler, String... sources) {
    Objects.requireNonNull(handler, "handler");
    return new ProjectionDefinition<>(name, 1, List.of(sources),
        new Handler<Empty, U>(null, (event, state) -> handler.project(event)), OnFailure.STOP);
  }

  /**
   * @return version 1 of a projection keeping keyed state of type {@code stateDefault}'s message,
   *     reading the events of {@code sources}, stopping on failure
   */
  public static <S extends Message, U> ProjectionDefinition<U> stateful(String name, S stateDefault,
      StatefulProjection<S, U> handler, String... sources) {
    return new ProjectionDefinition<>(name, 1, List.of(sources),
        new Handler<>(ProtobufCodec.of(stateDefault), handler), OnFailure.STOP);
  }

  /** @return a copy with {@code version} */
  public ProjectionDefinition<U> withVersion(int version) {
    return new ProjectionDefinition<>(name, version, sources, handler, onFailure);
  }

  /** @return a copy that parks events it cannot project or write instead of stopping their partition */
  public ProjectionDefinition<U> parkingFailures() {
    return new ProjectionDefinition<>(name, version, sources, handler, OnFailure.PARK);
  }

  /** @return {@code <name>.v<version>}: the id of this version's consumer group suffix, positions and snapshots */
  public String versionedName() {
    return name + ".v" + version;
  }

  /** Stateless projections get a state that holds nothing and refuses writes. */
  private static final class NoState implements KeyedState<Empty> {
    private static final NoState INSTANCE = new NoState();

    @SuppressWarnings("unchecked")
    static <S> KeyedState<S> instance() {
      return (KeyedState<S>) INSTANCE;
    }

    @Override
    public Optional<Empty> get(String key) {
      return Optional.empty();
    }

    @Override
    public void put(String key, Empty value) {
      throw new IllegalStateException("This projection was declared without keyed state; declare it with "
          + "ProjectionDefinition.stateful(name, stateDefault, handler, sources...) to keep state.");
    }

    @Override
    public void remove(String key) {
      put(key, Empty.getDefaultInstance());
    }
  }
}
