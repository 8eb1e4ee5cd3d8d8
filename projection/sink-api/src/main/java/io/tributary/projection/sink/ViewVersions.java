package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;
import java.util.OptionalInt;

/**
 * Which version of a projection's views readers see. Each version of a projection writes into a
 * namespace of its own ({@link ViewNames}); this pointer says which namespace queries read, so a
 * rebuilt version can catch up beside the serving one and then take over at once.
 *
 * <p>Implementations store the pointer in the same store as the views (a Redis key; Elasticsearch
 * aliases), so a reader never sees a mix of two versions, nor none, while the pointer moves.
 */
@Evolving
public interface ViewVersions {

  /**
   * @return the version readers are pointed at for {@code projection}; empty if none was published
   * @throws io.tributary.core.error.TransientException if the store cannot be reached
   */
  OptionalInt live(String projection);

  /**
   * Points readers of {@code projection} at {@code version} in one atomic step. Publishing the live
   * version again changes nothing. Flipping back to an older version that was not dropped is a
   * rollback.
   *
   * @throws io.tributary.core.error.TransientException if the store cannot be reached; nothing moved
   * @throws io.tributary.core.error.PermanentException if the store cannot point at {@code version}
   *     (Elasticsearch: an index of that version does not exist)
   */
  void publish(String projection, int version);

  /**
   * Deletes the views and positions of {@code version}. Dropping a version that has nothing is not
   * an error.
   *
   * @throws IllegalStateException if {@code version} is the live one: publish another first
   * @throws io.tributary.core.error.TransientException if the store cannot be reached
   */
  void drop(String projection, int version);
}
