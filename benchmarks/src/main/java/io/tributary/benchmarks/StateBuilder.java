package io.tributary.benchmarks;

import com.google.protobuf.ByteString;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.StoreBatch;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Builds a partition's local state of a given size directly in its RocksDB store, far faster than
 * deciding commands would: {@code accounts} bank accounts, and as many dedupe entries (the stored
 * first outcome of a command id) as it takes to reach the size. Each dedupe entry is a rejected
 * outcome whose message is {@code entryBytes} of random Base64 text, so compression does not shrink
 * it. The applied offsets stay 0: the topics are empty, so nothing needs replaying.
 */
final class StateBuilder {
  private static final int ENTRIES_PER_BATCH = 5_000;

  private final int accounts;
  private final int entryBytes;

  StateBuilder(int accounts, int entryBytes) {
    this.accounts = accounts;
    this.entryBytes = entryBytes;
  }

  /** Writes about {@code targetBytes} of state into the store of partition 0 in {@code storeDir}. */
  void build(Path storeDir, long targetBytes, String label) {
    Progress progress = new Progress();
    SplittableRandom random = new SplittableRandom(targetBytes);
    long written = 0;
    long entries = 0;
    try (RocksPartitionStore store = RocksPartitionStore.open(storeDir, 0)) {
      StoreBatch batch = new StoreBatch();
      for (int i = 0; i < accounts; i++) {
        AccountState state = AccountState.newBuilder().setBalance(100 + i % 1000).setDeposits(1 + i % 7).build();
        batch.putAggregate(Account.TYPE, "acct-" + i,
            StoredAggregate.newBuilder().setVersion(1 + i % 7).setState(state.toByteString()).build());
        if (batch.aggregates().size() == ENTRIES_PER_BATCH) {
          store.apply(batch);
          batch = new StoreBatch();
        }
      }
      store.apply(batch);
      byte[] noise = new byte[entryBytes * 3 / 4];
      while (written < targetBytes) {
        batch = new StoreBatch();
        for (int i = 0; i < ENTRIES_PER_BATCH && written < targetBytes; i++, entries++) {
          random.nextBytes(noise);
          String commandId = "old-cmd-" + entries;
          OutcomeRecord outcome = OutcomeRecord.newBuilder()
              .setCommandId(commandId)
              .setAggregateType(Account.TYPE)
              .setAggregateId("acct-" + (entries % Math.max(1, accounts)))
              .setRejected(OutcomeRecord.Rejected.newBuilder().setCode("INSUFFICIENT_FUNDS")
                  .setMessageBytes(ByteString.copyFromUtf8(Base64.getEncoder().encodeToString(noise))))
              .build();
          batch.putOutcome(commandId, System.currentTimeMillis(), outcome);
          written += outcome.getSerializedSize() + commandId.length() + 1;
        }
        store.apply(batch);
        if (progress.due()) {
          Progress.print("  building %s: %,d MiB of %,d MiB (%,d dedupe entries, %.0f MiB/s)", label, written >> 20,
              targetBytes >> 20, entries, progress.perSecond(written) / (1 << 20));
        }
      }
    }
    Progress.print("  built %s: %,d accounts and %,d dedupe entries, %,d MiB on disk, in %.1f s", label, accounts,
        entries, sizeOnDisk(storeDir) >> 20, written / progress.perSecond(written));
  }

  static long sizeOnDisk(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> {
        try {
          return Files.size(file);
        } catch (IOException e) {
          return 0; // deleted meanwhile (a compaction)
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot measure " + dir + ": " + e.getMessage(), e);
    }
  }
}
