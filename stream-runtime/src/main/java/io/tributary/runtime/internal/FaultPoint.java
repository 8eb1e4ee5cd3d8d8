package io.tributary.runtime.internal;

/** Places in the task loop where a test may simulate a crash. */
public enum FaultPoint {
  /**
   * Events and outcomes are sent in the open transaction, and the broker acknowledged them (on the
   * committer thread); the consumed offsets are not sent, and nothing is committed.
   */
  BEFORE_COMMIT,
  /**
   * The events, the outcomes and the consumed offsets are sent in the open transaction (on the
   * committer thread), and the group coordinator took the offsets; nothing is committed.
   */
  OFFSETS_SENT,
  /** The transaction committed; the partition stores are not written yet. */
  AFTER_COMMIT
}
