package io.tributary.projection.redis.internal;

import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Encodes a batch as the KEYS and ARGV of {@code apply-batch.lua}; the layout is documented at the
 * top of the script, and the two change together.
 *
 * @param keys the positions key first, then one prefixed key per update
 * @param args the partition, the entry count, then per entry its offset and updates
 */
public record ScriptArguments(String[] keys, String[] args) {

  /** Encodes {@code batch}; every update must be a {@link ViewUpdate.KeyUpdate} (checked before). */
  public static ScriptArguments encode(String positionsKey, String keyPrefix, int partition,
      List<SourcedUpdates> batch) {
    List<String> keys = new ArrayList<>();
    List<String> args = new ArrayList<>();
    keys.add(positionsKey);
    args.add(Integer.toString(partition));
    args.add(Integer.toString(batch.size()));
    for (SourcedUpdates entry : batch) {
      args.add(Long.toString(entry.source().offset()));
      args.add(Integer.toString(entry.updates().size()));
      for (ViewUpdate update : entry.updates()) {
        ViewUpdate.KeyUpdate keyUpdate = (ViewUpdate.KeyUpdate) update;
        keys.add(keyPrefix + keyUpdate.key());
        switch (keyUpdate) {
          case ViewUpdate.PutValue put -> op(args, "SET", put.value());
          case ViewUpdate.DeleteKey ignored -> op(args, "DEL");
          case ViewUpdate.PutFields put -> {
            List<String> pairs = new ArrayList<>();
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
    }
    return new ScriptArguments(keys.toArray(String[]::new), args.toArray(String[]::new));
  }

  private static void op(List<String> args, String op, String... values) {
    args.add(op);
    args.add(Integer.toString(values.length));
    args.addAll(List.of(values));
  }
}
