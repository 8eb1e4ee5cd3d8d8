package io.tributary.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.runtime.TopicLog.Entry;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The command side's invariants, checked over the whole log. */
final class LogInvariants {
  private LogInvariants() {}

  /**
   * Every accepted outcome has its events in the log exactly once, the last of them telling how
   * many there are; no rejected or failed command has events; a command has at most one first
   * outcome record, and one for a command with events is an acceptance of as many; each account's
   * sequences run 1..n without gaps or repeats.
   *
   * @return each account's state folded from the log
   */
  static Map<String, AccountState> checkLog(String bootstrap, String service, int partitions,
      Map<String, CommandOutcome> acknowledged) {
    List<Entry<EventRecord>> events = TopicLog.events(bootstrap, service, partitions);
    Map<String, List<EventRecord>> byCommand = events.stream().map(Entry::value)
        .collect(Collectors.groupingBy(EventRecord::getCommandId));
    acknowledged.forEach((commandId, outcome) -> {
      switch (outcome) {
        case CommandOutcome.Accepted accepted -> assertThat(byCommand.getOrDefault(commandId, List.of()))
            .as("events of accepted command %s", commandId).hasSize(accepted.eventCount());
        case CommandOutcome.Rejected rejected -> assertThat(byCommand).as("events of rejected %s", commandId)
            .doesNotContainKey(commandId);
        case CommandOutcome.Failed failed -> assertThat(byCommand).as("events of failed %s", commandId)
            .doesNotContainKey(commandId);
      }
    });
    List<Entry<OutcomeRecord>> outcomes = TopicLog.outcomes(bootstrap, service, partitions);
    Map<String, OutcomeRecord> firstOutcomes = new HashMap<>();
    outcomes.stream().map(Entry::value).filter(o -> !o.getDuplicate())
        .forEach(o -> assertThat(firstOutcomes.put(o.getCommandId(), o)).as("first outcome of %s", o.getCommandId())
            .isNull());
    byCommand.forEach((commandId, commandEvents) -> {
      // the last event tells the acceptance; an outcome record, if another instance waited, agrees
      List<Integer> told = commandEvents.stream().map(EventRecord::getCommandEvents).toList();
      assertThat(told).as("command_events of the events of %s", commandId)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, commandEvents.size())
              .mapToObj(i -> i == commandEvents.size() - 1 ? commandEvents.size() : 0).toList());
      OutcomeRecord outcome = firstOutcomes.get(commandId);
      if (outcome != null) {
        assertThat(outcome.getAccepted().getEventCount()).as("outcome record of %s", commandId)
            .isEqualTo(commandEvents.size());
      }
    });
    Map<String, AccountState> folded = new HashMap<>();
    Map<String, Long> versions = new HashMap<>();
    Account account = new Account();
    for (Entry<EventRecord> entry : events) {
      EventRecord event = entry.value();
      long expected = versions.getOrDefault(event.getAggregateId(), 0L) + 1;
      assertThat(event.getSequence()).as("sequence of %s at %s:%s", event.getAggregateId(), entry.partition(),
          entry.offset()).isEqualTo(expected);
      versions.put(event.getAggregateId(), expected);
      folded.put(event.getAggregateId(), account.evolve(
          folded.getOrDefault(event.getAggregateId(), account.initialState()), parse(event)));
    }
    return folded;
  }

  /** The partition stores in {@code stateDir} hold exactly the folded states. */
  static void checkStores(Path stateDir, int partitions, Map<String, AccountState> folded) {
    Partitioner partitioner = new Partitioner(partitions);
    Map<Integer, RocksPartitionStore> stores = new HashMap<>();
    try {
      folded.forEach((accountId, state) -> {
        int partition = partitioner.partitionFor(accountId);
        RocksPartitionStore store = stores.computeIfAbsent(partition,
            p -> RocksPartitionStore.open(stateDir.resolve("p-" + p), p));
        StoredAggregate stored = store.aggregate("Account", accountId).orElseThrow(
            () -> new AssertionError("no state stored for " + accountId));
        try {
          assertThat(AccountState.parseFrom(stored.getState())).as("state of %s", accountId).isEqualTo(state);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      });
    } finally {
      stores.values().forEach(RocksPartitionStore::close);
    }
  }

  private static AccountEvent parse(EventRecord event) {
    try {
      return AccountEvent.parseFrom(event.getEvent().getData());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
