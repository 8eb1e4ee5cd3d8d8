package io.tributary.runtime.internal.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A command id as the store keys its dedupe entry ({@code 'o'} and the id's UTF-8 bytes), with the
 * hash the filter of command ids takes. The task loop makes one per command from the bytes of its
 * record, and the same key serves the lookups in the batches not yet written, the filter, RocksDB,
 * and the write of the entry: the id is neither encoded nor hashed again on the way. Equal when the
 * ids are; immutable.
 */
public final class CommandKey {
  private final byte[] storeKey;
  private final long hash;
  /** The id as text, decoded when first asked for: most ids are only looked up and written. */
  private @Nullable String commandId;

  private CommandKey(byte[] storeKey, @Nullable String commandId) {
    this.storeKey = storeKey;
    this.hash = CommandIdFilter.hash(storeKey, 1);
    this.commandId = commandId;
  }

  public static CommandKey of(String commandId) {
    return new CommandKey(StoreKeys.outcome(commandId), commandId);
  }

  /** @param commandIdUtf8 the id's UTF-8 bytes, copied */
  public static CommandKey of(ByteString commandIdUtf8) {
    return new CommandKey(StoreKeys.outcome(commandIdUtf8), null);
  }

  /** @return the command id */
  public String commandId() {
    String text = commandId;
    if (text == null) {
      // a race decodes it twice, to equal strings
      text = new String(storeKey, 1, storeKey.length - 1, StandardCharsets.UTF_8);
      commandId = text;
    }
    return text;
  }

  /** @return the command id's UTF-8 bytes, a view of the key that nothing changes */
  public ByteString utf8() {
    return UnsafeByteOperations.unsafeWrap(storeKey, 1, storeKey.length - 1);
  }

  /** @return the store key: not to be changed */
  byte[] storeKey() {
    return storeKey;
  }

  /** @return the id's 64-bit hash, well mixed: the one {@link CommandIdFilter} takes */
  public long hash() {
    return hash;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CommandKey key && hash == key.hash && Arrays.equals(storeKey, key.storeKey);
  }

  @Override
  public int hashCode() {
    return (int) (hash ^ (hash >>> 32));
  }

  @Override
  public String toString() {
    return commandId();
  }
}
