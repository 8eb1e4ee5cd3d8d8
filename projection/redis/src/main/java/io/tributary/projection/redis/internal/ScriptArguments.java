package io.tributary.projection.redis.internal;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A batch compacted into the KEYS and ARGV of {@code apply-batch.lua}; the layout is documented at
 * the top of the script, and the two change together.
 *
 * <p>The script applies a batch as a whole or not at all, so the batch is compacted key by key:
 * every key is passed once; a key that only receives {@link ViewUpdate.Increment}s becomes one
 * counter per field with the summed delta; on any other key the updates keep their order and only
 * consecutive increments of one field, or consecutive {@link ViewUpdate.PutFields}, are merged.
 * Keys are independent, so the order between keys does not matter.
 *
 * <p>Strings are encoded to UTF-8 here and numbers are written as numbers, so the connection's
 * I/O thread only copies bytes.
 */
public final class ScriptArguments {
  private final byte[] positionsKey;
  private final String keyPrefix;
  private final int partition;
  private final long firstOffset;
  private final long lastOffset;
  private final Map<String, KeyUpdates> byKey = new LinkedHashMap<>();
  private int counterCount;
  private int otherCount;

  private ScriptArguments(String positionsKey, String keyPrefix, int partition, List<SourcedUpdates> batch) {
    this.positionsKey = utf8(positionsKey);
    this.keyPrefix = keyPrefix;
    this.partition = partition;
    this.firstOffset = batch.getFirst().source().offset();
    this.lastOffset = batch.getLast().source().offset();
  }

  /** Compacts {@code batch}, which must not be empty; every update must be a {@link ViewUpdate.KeyUpdate} (checked before). */
  public static ScriptArguments encode(String positionsKey, String keyPrefix, int partition, List<SourcedUpdates> batch) {
    ScriptArguments arguments = new ScriptArguments(positionsKey, keyPrefix, partition, batch);
    for (SourcedUpdates entry : batch) {
      for (ViewUpdate update : entry.updates()) {
        ViewUpdate.KeyUpdate keyUpdate = (ViewUpdate.KeyUpdate) update;
        KeyUpdates updates = arguments.byKey.get(keyUpdate.key());
        if (updates == null) {
          updates = new KeyUpdates();
          arguments.byKey.put(keyUpdate.key(), updates);
        }
        updates.add(keyUpdate);
      }
    }
    for (KeyUpdates updates : arguments.byKey.values()) {
      if (updates.ordered == null) {
        arguments.counterCount += updates.fieldCount();
      } else {
        arguments.otherCount += updates.ordered.size();
      }
    }
    return arguments;
  }

  /** @return {@code scriptOrSha}, then the number of keys, the keys and the script's arguments */
  public CommandArgs<String, String> commandArgs(String scriptOrSha) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(scriptOrSha).add(byKey.size() + 1L);
    args.add(positionsKey);
    for (String key : byKey.keySet()) {
      args.add(utf8(keyPrefix + key));
    }
    args.add(partition).add(firstOffset).add(lastOffset).add(counterCount);
    long index = 2;
    for (KeyUpdates updates : byKey.values()) {
      if (updates.ordered == null) {
        updates.writeCounters(args, index);
      }
      index++;
    }
    args.add(otherCount);
    index = 2;
    for (KeyUpdates updates : byKey.values()) {
      if (updates.ordered != null) {
        for (ViewUpdate.KeyUpdate update : updates.ordered) {
          args.add(index);
          writeOp(args, update);
        }
      }
      index++;
    }
    return args;
  }

  private static void writeOp(CommandArgs<String, String> args, ViewUpdate.KeyUpdate update) {
    switch (update) {
      case ViewUpdate.PutValue put -> args.add("SET").add(1).add(utf8(put.value()));
      case ViewUpdate.DeleteKey ignored -> args.add("DEL").add(0);
      case ViewUpdate.PutFields put -> {
        args.add("HSET").add(put.fields().size() * 2L);
        for (Map.Entry<String, String> field : put.fields().entrySet()) {
          args.add(utf8(field.getKey())).add(utf8(field.getValue()));
        }
      }
      case ViewUpdate.RemoveFields remove -> {
        args.add("HDEL").add(remove.fields().size());
        for (String field : remove.fields()) {
          args.add(utf8(field));
        }
      }
      case ViewUpdate.Increment increment -> args.add("HINCRBY").add(2).add(utf8(increment.field())).add(increment.delta());
      case ViewUpdate.ScoreAdd add -> args.add("ZADD").add(2).add(utf8(add.member())).add(Double.toString(add.score()));
      case ViewUpdate.ScoreIncrement increment ->
          args.add("ZINCRBY").add(2).add(utf8(increment.member())).add(Double.toString(increment.delta()));
      case ViewUpdate.ScoreRemove remove -> args.add("ZREM").add(1).add(utf8(remove.member()));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The updates of one key in a batch: summed counters while the key only receives increments
   * (the first field inline, the common case), else the ordered updates with consecutive ones
   * merged where that changes nothing.
   */
  private static final class KeyUpdates {
    private @Nullable String firstField;
    private long firstDelta;
    private @Nullable Map<String, Long> moreFields;
    private @Nullable List<ViewUpdate.KeyUpdate> ordered;

    void add(ViewUpdate.KeyUpdate update) {
      if (ordered == null && update instanceof ViewUpdate.Increment increment && addCounter(increment)) {
        return;
      }
      List<ViewUpdate.KeyUpdate> updates = ordered;
      if (updates == null) {
        updates = new ArrayList<>();
        if (firstField != null) {
          updates.add(new ViewUpdate.Increment(update.key(), firstField, firstDelta));
        }
        if (moreFields != null) {
          for (Map.Entry<String, Long> counter : moreFields.entrySet()) {
            updates.add(new ViewUpdate.Increment(update.key(), counter.getKey(), counter.getValue()));
          }
        }
        ordered = updates;
      }
      ViewUpdate.KeyUpdate merged = updates.isEmpty() ? null : merge(updates.getLast(), update);
      if (merged != null) {
        updates.set(updates.size() - 1, merged);
      } else {
        updates.add(update);
      }
    }

    /**
     * Adds {@code increment} to the summed counters; false if the sum would overflow or could not
     * be undone (the script undoes a counter by its negated delta, which {@code Long.MIN_VALUE}
     * has not), and the key's updates are then kept apart.
     */
    private boolean addCounter(ViewUpdate.Increment increment) {
      long delta = increment.delta();
      if (delta == Long.MIN_VALUE) {
        return false;
      }
      if (firstField == null) {
        firstField = increment.field();
        firstDelta = delta;
        return true;
      }
      boolean first = firstField.equals(increment.field());
      Long sum = first ? Long.valueOf(firstDelta) : moreFields == null ? null : moreFields.get(increment.field());
      long total = delta;
      if (sum != null) {
        total = sum + delta;
        if (overflows(sum, delta, total) || total == Long.MIN_VALUE) {
          return false;
        }
      }
      if (first) {
        firstDelta = total;
      } else {
        if (moreFields == null) {
          moreFields = new LinkedHashMap<>();
        }
        moreFields.put(increment.field(), total);
      }
      return true;
    }

    int fieldCount() {
      return (firstField == null ? 0 : 1) + (moreFields == null ? 0 : moreFields.size());
    }

    void writeCounters(CommandArgs<String, String> args, long index) {
      if (firstField != null) {
        args.add(index).add(utf8(firstField)).add(firstDelta);
      }
      if (moreFields != null) {
        for (Map.Entry<String, Long> counter : moreFields.entrySet()) {
          args.add(index).add(utf8(counter.getKey())).add(counter.getValue());
        }
      }
    }

    private static boolean overflows(long a, long b, long sum) {
      return ((a ^ sum) & (b ^ sum)) < 0;
    }

    /** One update equal to {@code last} then {@code next} on the same key, or null. */
    private static ViewUpdate.@Nullable KeyUpdate merge(ViewUpdate.KeyUpdate last, ViewUpdate.KeyUpdate next) {
      if (last instanceof ViewUpdate.Increment a && next instanceof ViewUpdate.Increment b && a.field().equals(b.field())) {
        long total = a.delta() + b.delta();
        return overflows(a.delta(), b.delta(), total) ? null : new ViewUpdate.Increment(a.key(), a.field(), total);
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
