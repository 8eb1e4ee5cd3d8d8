package io.tributary.runtime.internal;

/** Places in the task loop where a test may simulate a crash. */
public enum FaultPoint {
  /**
   * Events and outcomes are being sent in the open transaction (on the committer thread); the
   * consumed offsets are not, and nothing is committed.
   */
  BEFORE_COMMIT,
  /** The transaction committed; the partition stores are not written yet. */
  AFTER_COMMIT
}
