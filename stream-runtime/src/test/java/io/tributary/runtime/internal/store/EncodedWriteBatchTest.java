package io.tributary.runtime.internal.store;

import static io.tributary.runtime.internal.store.StoreRecords.accepted;
import static io.tributary.runtime.internal.store.StoreRecords.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

class EncodedWriteBatchTest {
  static {
    RocksDB.loadLibrary();
  }

  @Test
  void encodesAsRocksDbsOwnWriteBatch() throws RocksDBException {
    byte[] shortKey = bytes("a");
    byte[] longKey = bytes("k".repeat(200)); // a length of two varint bytes
    byte[] longValue = bytes("v".repeat(70_000)); // three varint bytes
    StoredAggregate message = state(7, "s".repeat(300));
    EncodedWriteBatch encoded = new EncodedWriteBatch(16) // grows as it goes
        .put(shortKey, bytes(""))
        .put(longKey, longValue)
        .delete(shortKey)
        .put(shortKey, message)
        .put(longKey, accepted("c-1", 3));

    try (WriteBatch ours = encoded.toWriteBatch(); WriteBatch reference = new WriteBatch()) {
      reference.put(shortKey, bytes(""));
      reference.put(longKey, longValue);
      reference.delete(shortKey);
      reference.put(shortKey, message.toByteArray());
      reference.put(longKey, accepted("c-1", 3).toByteArray());

      assertThat(encoded.count()).isEqualTo(5);
      assertThat(ours.count()).isEqualTo(5);
      assertThat(ours.data()).isEqualTo(reference.data());
    }
  }

  @Test
  void encodesAnEmptyBatch() throws RocksDBException {
    try (WriteBatch ours = new EncodedWriteBatch(0).toWriteBatch(); WriteBatch reference = new WriteBatch()) {
      assertThat(ours.data()).isEqualTo(reference.data());
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
