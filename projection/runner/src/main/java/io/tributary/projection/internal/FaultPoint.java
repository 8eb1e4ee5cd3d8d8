package io.tributary.projection.internal;

/** Places in the projection loop where a test may simulate a crash of the runner. */
public enum FaultPoint {
  /** A batch is projected (and any failing event parked); the sink has not been called. */
  BEFORE_SINK_WRITE,
  /**
   * The sink applied the first half of the batch's entries (with its position) and not the rest: a
   * crash in the middle of a Redis pipeline or an Elasticsearch bulk as far as the store can tell.
   * Reached only with an injector that {@linkplain FaultInjector#splitsSinkWrites() splits} writes.
   */
  MID_SINK_WRITE,
  /** The sink applied the batch; keyed state is not written and no offset is committed. */
  AFTER_SINK_WRITE
}
