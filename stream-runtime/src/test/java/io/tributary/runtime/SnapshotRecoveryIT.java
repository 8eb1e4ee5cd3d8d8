package io.tributary.runtime;

import static io.tributary.runtime.RuntimeHarness.await;
import static io.tributary.runtime.RuntimeHarness.send;
import static io.tributary.runtime.bank.Account.deposit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.devservices.KafkaEndpoint;
import io.tributary.devservices.internal.DataDirs;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.runtime.internal.FaultInjector;
import io.tributary.runtime.internal.PolicySnapshots;
import io.tributary.runtime.internal.store.Snapshotter;
import io.tributary.runtime.snapshot.DirectorySnapshotStore;
import io.tributary.runtime.snapshot.ForwardingSnapshotStore;
import io.tributary.runtime.snapshot.SnapshotInfo;
import io.tributary.runtime.snapshot.SnapshotPolicy;
import io.tributary.runtime.snapshot.SnapshotStore;
import io.tributary.testkit.WithDevServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition restored on a machine without local state: from the newest snapshot, from an older
 * one when the newest is corrupt or half-written, or from the log alone. Each gives the same state.
 */
@WithDevServices
class SnapshotRecoveryIT {
  private static final int COMMANDS = 120;

  @TempDir Path root;
  RuntimeHarness harness;
  RuntimeSettings settings;
  Map<String, AccountState> expected;

  @BeforeEach
  void writeHistory(KafkaEndpoint kafka) throws Exception {
    harness = new RuntimeHarness(kafka.bootstrapServers());
    settings = harness.settings(root.resolve("state")).withSnapshotDir(root.resolve("snapshots"))
        .withMaxBatchRecords(10)
        .withSnapshotPolicy(SnapshotPolicy.defaults().withInterval(Duration.ZERO).withMinEventsBetween(20)
            .withRetained(5));
    try (TributaryRuntime runtime = harness.start(settings, FaultInjector.none(), null)) {
      for (int i = 0; i < COMMANDS; i++) {
        await(send(runtime, "s-" + i, deposit("acct-" + (i % 10), i + 1)));
      }
    }
    expected = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, Map.of());
    assertThat(snapshots()).as("snapshots taken while running and at close").isNotEmpty();
  }

  @Test
  void restoresFromTheNewestSnapshotAndReplaysOnlyTheTail() throws Exception {
    long replayed = restartWithoutLocalState();

    assertThat(replayed).as("events replayed after restoring the snapshots taken at close").isZero();
  }

  @Test
  void fallsBackToAnOlderSnapshotWhenTheNewestIsCorrupt() throws Exception {
    for (int partition = 0; partition < RuntimeHarness.PARTITIONS; partition++) {
      List<SnapshotInfo> infos = store().list(harness.service, partition);
      if (infos.size() > 1) {
        corruptADataFile(snapshotDir(infos.getFirst()));
      }
    }
    MeterRegistry meters = new SimpleMeterRegistry();

    restartWithoutLocalState(meters);

    assertThat(meters.find("tributary.snapshot.restore.fallbacks").counters())
        .as("fallbacks counted").isNotEmpty()
        .allSatisfy(counter -> assertThat(counter.count()).isGreaterThanOrEqualTo(1));
  }

  @Test
  void replaysTheWholeLogWithoutSnapshots() throws Exception {
    DataDirs.deleteRecursively(settings.snapshotDir());

    long replayed = restartWithoutLocalState();

    assertThat(replayed).isEqualTo(COMMANDS);
  }

  @Test
  void ignoresASnapshotLeftHalfWrittenByACrash() throws Exception {
    MeterRegistry meters = new SimpleMeterRegistry();
    SnapshotStore crashing = new CrashingMidSave(store(), settings.snapshotDir());
    PolicySnapshots snapshots = new PolicySnapshots(harness.service, new Snapshotter(harness.service, crashing,
        settings.snapshotPolicy().withMinEventsBetween(1), settings.stateDir().resolve("checkpoints"), meters),
        Clock.systemUTC(), meters);
    try (TributaryRuntime runtime = harness.start(settings, FaultInjector.none(), snapshots)) {
      send(runtime, "late", deposit("acct-1", 1000));
      RuntimeHarness.awaitStopped(runtime);
      assertThat(runtime.failure()).isInstanceOf(FaultInjector.SimulatedCrash.class);
    }
    expected = LogInvariants.checkLog(harness.bootstrap, harness.service, RuntimeHarness.PARTITIONS, Map.of());
    assertThat(expected.get("acct-1").getDeposits()).isEqualTo(COMMANDS / 10 + 1);

    restartWithoutLocalState();
  }

  private long restartWithoutLocalState() throws Exception {
    return restartWithoutLocalState(new SimpleMeterRegistry());
  }

  /** Deletes the local stores, restarts, and checks the restored state; returns the events replayed. */
  private long restartWithoutLocalState(MeterRegistry meters) throws Exception {
    for (int partition = 0; partition < RuntimeHarness.PARTITIONS; partition++) {
      DataDirs.deleteRecursively(settings.stateDir().resolve("p-" + partition));
    }
    try (TributaryRuntime runtime = TributaryRuntime.start(harness.definition, settings, meters)) {
      // a command per partition proves each partition was restored and serves again
      for (int i = 0; i < 10; i++) {
        assertThat(await(send(runtime, "probe-" + i, deposit("acct-" + i, 0)))).isInstanceOf(CommandOutcome.Rejected.class);
      }
    }
    LogInvariants.checkStores(settings.stateDir(), RuntimeHarness.PARTITIONS, expected);
    return (long) meters.get("tributary.replay.events").counter().count();
  }

  private DirectorySnapshotStore store() {
    return new DirectorySnapshotStore(settings.snapshotDir(), Clock.systemUTC());
  }

  private List<SnapshotInfo> snapshots() {
    return java.util.stream.IntStream.range(0, RuntimeHarness.PARTITIONS).boxed()
        .flatMap(p -> store().list(harness.service, p).stream()).toList();
  }

  private Path snapshotDir(SnapshotInfo info) {
    return settings.snapshotDir().resolve(info.service()).resolve("p-" + info.partition()).resolve(info.id());
  }

  private static void corruptADataFile(Path snapshot) throws IOException {
    try (Stream<Path> files = Files.list(snapshot)) {
      Path data = files.filter(f -> f.getFileName().toString().endsWith(".sst")
              || f.getFileName().toString().startsWith("MANIFEST-"))
          .findFirst().orElseThrow(() -> new AssertionError("no data file in " + snapshot));
      byte[] bytes = Files.readAllBytes(data);
      bytes[bytes.length / 2] ^= (byte) 0xff;
      Files.write(data, bytes);
    }
  }

  /** Saves the data files, then crashes before the manifest is in place. */
  private static final class CrashingMidSave extends ForwardingSnapshotStore {
    private final Path root;

    CrashingMidSave(DirectorySnapshotStore delegate, Path root) {
      super(delegate);
      this.root = root;
    }

    @Override
    public SnapshotInfo save(String service, int partition, Path checkpointDir, long eventsOffset, long outcomesOffset) {
      SnapshotInfo saved = super.save(service, partition, checkpointDir, eventsOffset, outcomesOffset);
      try {
        Files.delete(root.resolve(service).resolve("p-" + partition).resolve(saved.id()).resolve("MANIFEST"));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      throw new FaultInjector.SimulatedCrash(io.tributary.runtime.internal.FaultPoint.AFTER_COMMIT);
    }
  }
}
