package io.tributary.core;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Stable;

/**
 * An event-sourced aggregate as two pure functions over Protocol Buffers messages. Implementations do
 * no I/O and call no framework code: given the same inputs they return the same outputs, which is what
 * lets the runtime replay the log into state after a crash or a move.
 *
 * <p>The runtime calls both methods from one thread per partition; an implementation needs no
 * synchronisation as long as it keeps no mutable fields.
 *
 * @param <C> the command message
 * @param <S> the state message
 * @param <E> the event message
 */
@Stable
public interface Aggregate<C extends Message, S extends Message, E extends Message> {

  /** @return the state of an aggregate that has no events yet */
  S initialState();

  /**
   * Decides what a command means in the current state.
   *
   * @return {@link Decision#accept} with the events to append (possibly none), or {@link
   *     Decision#reject} with a stable code; a thrown exception fails only this command
   */
  Decision<E> decide(C command, S state);

  /**
   * Applies one event. Called for every event the aggregate ever accepted, in log order, including
   * during replay.
   *
   * @return the new state; an exception here stops the partition, since events are never skipped
   */
  S evolve(S state, E event);
}
