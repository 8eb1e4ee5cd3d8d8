package io.tributary.core;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;
import java.util.List;

/**
 * Turns one event into read-model updates. Pure like an aggregate: the runner applies the updates
 * to a sink, tagged with the event's source position, so a replayed event is never applied twice.
 *
 * @param <U> the update type the projection's sink understands
 */
@Experimental
@FunctionalInterface
public interface Projection<U> {
  /** @return the updates for {@code event}, in order; none if the projection ignores it */
  List<U> project(EventEnvelope<? extends Message> event);
}
