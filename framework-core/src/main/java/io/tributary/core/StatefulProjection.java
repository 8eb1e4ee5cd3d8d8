package io.tributary.core;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;
import java.util.List;

/**
 * A {@link Projection} that keeps {@link KeyedState} of its own. Pure apart from the state it is
 * handed: the same events in the same order give the same updates and the same state, which is
 * what lets a replay after a crash rebuild the state without changing the views twice.
 *
 * @param <S> the state value type, a Protocol Buffers message
 * @param <U> the update type the projection's sink understands
 */
@Experimental
@FunctionalInterface
public interface StatefulProjection<S extends Message, U> {
  /** @return the updates for {@code event}, in order; none if the projection ignores it */
  List<U> project(EventEnvelope<? extends Message> event, KeyedState<S> state);
}
