package io.tributary.projection.sink;

import io.tributary.core.annotation.Evolving;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One change to a read model, as a value a projection returns. Two families exist:
 *
 * <ul>
 *   <li>{@link KeyUpdate}: strings, hashes, sorted sets and counters under a key (Redis). Keys,
 *       fields, members and values are Java strings, stored as UTF-8. A sink adds its key prefix to
 *       every key; the projection never sees it.
 *   <li>{@link DocumentUpdate}: whole JSON documents in an index (Elasticsearch). The document is a
 *       JSON object as a string; the sink neither parses nor reorders it beyond what it documents.
 * </ul>
 *
 * A sink reports the kinds it applies in {@link ViewSink#supports()} and rejects the others before
 * writing anything. Every record checks its arguments at construction and throws {@link
 * IllegalArgumentException} naming the bad one.
 */
@Evolving
public sealed interface ViewUpdate permits ViewUpdate.KeyUpdate, ViewUpdate.DocumentUpdate {

  /** An update of the structure under one key. */
  sealed interface KeyUpdate extends ViewUpdate
      permits PutValue, DeleteKey, PutFields, RemoveFields, Increment, ScoreAdd, ScoreIncrement, ScoreRemove {
    /** @return the key, without any sink prefix */
    String key();
  }

  /** An update of one document in one index. */
  sealed interface DocumentUpdate extends ViewUpdate permits PutDocument, DeleteDocument {
    /** @return the index (or alias) name */
    String index();

    /** @return the document id */
    String id();
  }

  /** Sets the string value of {@code key}, replacing whatever the key held. */
  record PutValue(String key, String value) implements KeyUpdate {
    public PutValue {
      requireText("key", key);
      Objects.requireNonNull(value, "value");
    }
  }

  /** Removes {@code key} and whatever it held; removing a missing key is not an error. */
  record DeleteKey(String key) implements KeyUpdate {
    public DeleteKey {
      requireText("key", key);
    }
  }

  /** Sets the given fields of the hash at {@code key}, leaving its other fields as they are. */
  record PutFields(String key, Map<String, String> fields) implements KeyUpdate {
    public PutFields {
      requireText("key", key);
      fields = Map.copyOf(fields);
      if (fields.isEmpty()) {
        throw new IllegalArgumentException("PutFields for key '" + key + "' has no fields; use DeleteKey or leave it out");
      }
    }
  }

  /** Removes the given fields from the hash at {@code key}; missing fields are not an error. */
  record RemoveFields(String key, Set<String> fields) implements KeyUpdate {
    public RemoveFields {
      requireText("key", key);
      fields = Set.copyOf(fields);
      if (fields.isEmpty()) {
        throw new IllegalArgumentException("RemoveFields for key '" + key + "' has no fields");
      }
    }
  }

  /**
   * Adds {@code delta} to the integer counter in hash field {@code field} of {@code key} (a missing
   * field counts as 0). Applied once per source position, so a replay never double-counts.
   */
  record Increment(String key, String field, long delta) implements KeyUpdate {
    public Increment {
      requireText("key", key);
      requireText("field", field);
    }
  }

  /** Sets the score of {@code member} in the sorted set at {@code key}, adding the member if absent. */
  record ScoreAdd(String key, String member, double score) implements KeyUpdate {
    public ScoreAdd {
      requireText("key", key);
      Objects.requireNonNull(member, "member");
      requireFinite("score", score);
    }
  }

  /** Adds {@code delta} to the score of {@code member} in the sorted set at {@code key} (absent: 0). */
  record ScoreIncrement(String key, String member, double delta) implements KeyUpdate {
    public ScoreIncrement {
      requireText("key", key);
      Objects.requireNonNull(member, "member");
      requireFinite("delta", delta);
    }
  }

  /** Removes {@code member} from the sorted set at {@code key}; a missing member is not an error. */
  record ScoreRemove(String key, String member) implements KeyUpdate {
    public ScoreRemove {
      requireText("key", key);
      Objects.requireNonNull(member, "member");
    }
  }

  /** Creates or replaces document {@code id} in {@code index} with the JSON object {@code json}. */
  record PutDocument(String index, String id, String json) implements DocumentUpdate {
    public PutDocument {
      requireText("index", index);
      requireText("id", id);
      Objects.requireNonNull(json, "json");
    }
  }

  /** Deletes document {@code id} from {@code index}; a missing document is not an error. */
  record DeleteDocument(String index, String id) implements DocumentUpdate {
    public DeleteDocument {
      requireText("index", index);
      requireText("id", id);
    }
  }

  private static void requireText(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
  }

  private static void requireFinite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be a finite number, was " + value);
    }
  }
}
