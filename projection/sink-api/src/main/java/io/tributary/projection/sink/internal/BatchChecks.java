package io.tributary.projection.sink.internal;

import io.tributary.core.error.PermanentException;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a batch at the edge of a sink, before anything is written. */
public final class BatchChecks {

  /** Which sinks apply which kinds, for error messages; grows with the sinks. */
  private static final Map<Class<? extends ViewUpdate>, String> SUPPORTED_BY = Map.ofEntries(
      Map.entry(ViewUpdate.PutValue.class, "RedisViewSink"),
      Map.entry(ViewUpdate.DeleteKey.class, "RedisViewSink"),
      Map.entry(ViewUpdate.PutFields.class, "RedisViewSink"),
      Map.entry(ViewUpdate.RemoveFields.class, "RedisViewSink"),
      Map.entry(ViewUpdate.Increment.class, "RedisViewSink"),
      Map.entry(ViewUpdate.ScoreAdd.class, "RedisViewSink"),
      Map.entry(ViewUpdate.ScoreIncrement.class, "RedisViewSink"),
      Map.entry(ViewUpdate.ScoreRemove.class, "RedisViewSink"),
      Map.entry(ViewUpdate.PutDocument.class, "ElasticsearchViewSink"),
      Map.entry(ViewUpdate.DeleteDocument.class, "ElasticsearchViewSink"));

  private BatchChecks() {}

  /**
   * Checks that every entry comes from {@code partition}, that offsets strictly increase, and that
   * {@code sink} supports every update kind.
   *
   * @throws PermanentException naming the first problem and what to do about it
   */
  public static void check(String sink, Set<Class<? extends ViewUpdate>> supported, String projection,
      int partition, List<SourcedUpdates> batch) {
    if (projection.isEmpty()) {
      throw new PermanentException(sink + ": the projection name is empty; give every projection a stable name");
    }
    long previous = -1;
    for (SourcedUpdates entry : batch) {
      if (entry.source().partition() != partition) {
        throw new PermanentException("%s: projection '%s' applied a batch for partition %d that holds an entry from %s; a batch carries one partition's entries only"
            .formatted(sink, projection, partition, entry.source()));
      }
      if (entry.source().offset() <= previous) {
        throw new PermanentException("%s: projection '%s' partition %d: offset %d follows offset %d; entries must be in strictly increasing offset order"
            .formatted(sink, projection, partition, entry.source().offset(), previous));
      }
      previous = entry.source().offset();
      for (ViewUpdate update : entry.updates()) {
        if (!supported.contains(update.getClass())) {
          throw new PermanentException("%s does not apply %s (projection '%s', source %s); %s is applied by %s. Nothing of this batch was written."
              .formatted(sink, update.getClass().getSimpleName(), projection, entry.source(),
                  update.getClass().getSimpleName(), supportedBy(update.getClass())));
        }
      }
    }
  }

  private static String supportedBy(Class<? extends ViewUpdate> kind) {
    String sinks = SUPPORTED_BY.get(kind);
    return sinks == null ? "no known sink" : sinks;
  }
}
