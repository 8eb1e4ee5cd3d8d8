package io.tributary.projection.redis.internal;

import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Encodes a batch as the KEYS and ARGV of {@code apply-batch.lua}; the layout is documented at the
 * top of the script, and the two change together.
 *
 * <p>The batch is compacted first, key by key, because the script applies it as a whole or not at
 * all: every key is passed once; a key that only receives {@link ViewUpdate.Increment}s becomes
 * one counter entry per field with the summed delta; on any other key the updates keep their order
 * and only consecutive increments of one field, or consecutive {@link ViewUpdate.PutFields}, are
 * merged. Keys are independent, so the order between keys does not matter.
 *
 * @param keys the positions key first, then every prefixed key of the batch once
 * @param args the partition, the first and last offset, the counters, then the other updates
 */
public record ScriptArguments(String[] keys, String[] args) {

  /** Encodes {@code batch}; every update must be a {@link ViewUpdate.KeyUpdate} (checked before). */
  public static ScriptArguments encode(String positionsKey, String keyPrefix, int partition,
      List<SourcedUpdates> batch) {
    Map<String, KeyUpdates> byKey = new LinkedHashMap<>();
    for (SourcedUpdates entry : batch) {
      for (ViewUpdate update : entry.updates()) {
        ViewUpdate.KeyUpdate keyUpdate = (ViewUpdate.KeyUpdate) update;
        byKey.computeIfAbsent(keyUpdate.key(), ignored -> new KeyUpdates()).add(keyUpdate);
      }
    }
    List<String> keys = new ArrayList<>(byKey.size() + 1);
    keys.add(positionsKey);
    List<String> counters = new ArrayList<>();
    List<String> others = new ArrayList<>();
    int counterCount = 0;
    int otherCount = 0;
    for (Map.Entry<String, KeyUpdates> key : byKey.entrySet()) {
      keys.add(keyPrefix + key.getKey());
      String index = Integer.toString(keys.size());
      KeyUpdates updates = key.getValue();
      List<ViewUpdate.KeyUpdate> ordered = updates.others;
      if (ordered == null) {
        for (Map.Entry<String, Long> counter : updates.counters.entrySet()) {
          counters.add(index);
          counters.add(counter.getKey());
          counters.add(Long.toString(counter.getValue()));
          counterCount++;
        }
      } else {
        for (ViewUpdate.KeyUpdate update : ordered) {
          others.add(index);
          encodeOp(others, update);
          otherCount++;
        }
      }
    }
    List<String> args = new ArrayList<>(5 + counters.size() + others.size());
    args.add(Integer.toString(partition));
    args.add(Long.toString(batch.getFirst().source().offset()));
    args.add(Long.toString(batch.getLast().source().offset()));
    args.add(Integer.toString(counterCount));
    args.addAll(counters);
    args.add(Integer.toString(otherCount));
    args.addAll(others);
    return new ScriptArguments(keys.toArray(String[]::new), args.toArray(String[]::new));
  }

  private static void encodeOp(List<String> args, ViewUpdate.KeyUpdate update) {
    switch (update) {
      case ViewUpdate.PutValue put -> op(args, "SET", put.value());
      case ViewUpdate.DeleteKey ignored -> op(args, "DEL");
      case ViewUpdate.PutFields put -> {
        List<String> pairs = new ArrayList<>(put.fields().size() * 2);
        for (Map.Entry<String, String> field : put.fields().entrySet()) {
          pairs.add(field.getKey());
          pairs.add(field.getValue());
        }
        op(args, "HSET", pairs.toArray(String[]::new));
      }
      case ViewUpdate.RemoveFields remove -> op(args, "HDEL", remove.fields().toArray(String[]::new));
      case ViewUpdate.Increment increment -> op(args, "HINCRBY", increment.field(), Long.toString(increment.delta()));
      case ViewUpdate.ScoreAdd add -> op(args, "ZADD", add.member(), Double.toString(add.score()));
      case ViewUpdate.ScoreIncrement increment -> op(args, "ZINCRBY", increment.member(), Double.toString(increment.delta()));
      case ViewUpdate.ScoreRemove remove -> op(args, "ZREM", remove.member());
    }
  }

  private static void op(List<String> args, String op, String... values) {
    args.add(op);
    args.add(Integer.toString(values.length));
    args.addAll(List.of(values));
  }

  /**
   * The updates of one key in a batch: summed counters while the key only receives increments,
   * else the ordered updates with consecutive ones merged where that changes nothing.
   */
  private static final class KeyUpdates {
    private final Map<String, Long> counters = new LinkedHashMap<>();
    private @Nullable List<ViewUpdate.KeyUpdate> others;

    void add(ViewUpdate.KeyUpdate update) {
      if (others == null && update instanceof ViewUpdate.Increment increment && undoable(increment)) {
        Long sum = counters.get(increment.field());
        if (sum == null) {
          counters.put(increment.field(), increment.delta());
          return;
        }
        long total = sum + increment.delta();
        // a sum that overflows, or that the script could not negate to undo, keeps the updates apart
        if (((sum ^ total) & (increment.delta() ^ total)) >= 0 && total != Long.MIN_VALUE) {
          counters.put(increment.field(), total);
          return;
        }
      }
      List<ViewUpdate.KeyUpdate> ordered = others;
      if (ordered == null) {
        ordered = new ArrayList<>();
        for (Map.Entry<String, Long> counter : counters.entrySet()) {
          ordered.add(new ViewUpdate.Increment(update.key(), counter.getKey(), counter.getValue()));
        }
        others = ordered;
      }
      ViewUpdate.KeyUpdate merged = ordered.isEmpty() ? null : merge(ordered.getLast(), update);
      if (merged != null) {
        ordered.set(ordered.size() - 1, merged);
      } else {
        ordered.add(update);
      }
    }

    /** The script undoes a counter by its negated delta, which {@code Long.MIN_VALUE} has not. */
    private static boolean undoable(ViewUpdate.Increment increment) {
      return increment.delta() != Long.MIN_VALUE;
    }

    /** One update equal to {@code last} then {@code next} on the same key, or null. */
    private static ViewUpdate.@Nullable KeyUpdate merge(ViewUpdate.KeyUpdate last, ViewUpdate.KeyUpdate next) {
      if (last instanceof ViewUpdate.Increment a && next instanceof ViewUpdate.Increment b
          && a.field().equals(b.field())) {
        long total = a.delta() + b.delta();
        boolean overflows = ((a.delta() ^ total) & (b.delta() ^ total)) < 0;
        return overflows ? null : new ViewUpdate.Increment(a.key(), a.field(), total);
      }
      if (last instanceof ViewUpdate.PutFields a && next instanceof ViewUpdate.PutFields b) {
        Map<String, String> fields = new LinkedHashMap<>(a.fields());
        fields.putAll(b.fields());
        return new ViewUpdate.PutFields(a.key(), fields);
      }
      return null;
    }
  }
}
