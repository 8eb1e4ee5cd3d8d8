package io.tributary.projection.rebuild;

import io.tributary.core.annotation.Experimental;

/**
 * Where a {@link io.tributary.projection.ProjectionDeployment} is. Transitions:
 *
 * <pre>
 * from          to            when
 * (start)       SERVING       nothing was live (the version is published at once) or it was already live
 * (start)       CATCHING_UP   an older version is live: the new one runs beside it
 * CATCHING_UP   PUBLISHED     the new version caught up on every partition and was published
 * PUBLISHED     SERVING       the drop delay passed: the old version's runner closed and its views dropped
 * PUBLISHED     ROLLED_BACK   rollback(): the old version published again, the new version's runner closed
 * CATCHING_UP   FAILED        publishing failed permanently (for example an index of the new version is missing)
 * PUBLISHED     FAILED        dropping the old version failed permanently
 * any           CLOSED        close()
 * </pre>
 */
@Experimental
public enum DeploymentState {
  /** The deployment's version is live and its runner runs; no other version is handled. */
  SERVING,
  /** The new version's runner fills its views beside the live older version. */
  CATCHING_UP,
  /** The new version is live; the old one is kept (and its runner runs, if started here) until the drop delay passed. */
  PUBLISHED,
  /** The old version is live again; the new version's views are kept, its runner is closed. */
  ROLLED_BACK,
  /** A publish or drop failed permanently; see {@code failure()}. Runners still run; nothing was dropped. */
  FAILED,
  /** Closed: runners and sinks closed, views kept. */
  CLOSED;

  /** @return whether going from this state to {@code next} is one of the transitions above */
  public boolean canMoveTo(DeploymentState next) {
    return switch (this) {
      case CATCHING_UP -> next == PUBLISHED || next == FAILED || next == CLOSED;
      case PUBLISHED -> next == SERVING || next == ROLLED_BACK || next == FAILED || next == CLOSED;
      case SERVING, ROLLED_BACK, FAILED -> next == CLOSED;
      case CLOSED -> false;
    };
  }
}
