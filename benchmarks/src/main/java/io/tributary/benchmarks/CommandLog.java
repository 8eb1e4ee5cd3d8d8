package io.tributary.benchmarks;

import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The commands of a run, generated the same way every time from a seed: 60% deposits and 40%
 * withdrawals of 1 to 100, on the account the workload picks. A withdrawal beyond the balance is
 * rejected, so both systems see the same mix of events and rejections.
 */
final class CommandLog {
  /** The stable type name of the command codec, as Tributary records it in a {@link CommandRecord}. */
  private static final String COMMAND_TYPE = AccountCommand.getDescriptor().getFullName();

  /** One generated command. */
  record Command(String commandId, String accountId, AccountCommand command) {
    byte[] key() {
      return accountId.getBytes(StandardCharsets.UTF_8);
    }

    /** @return the command as Tributary's gateway writes it to the commands topic */
    byte[] record(long timestampMicros) {
      return CommandRecord.newBuilder()
          .setCommandId(commandId)
          .setAggregateType(Account.TYPE)
          .setAggregateId(accountId)
          .setCorrelationId(commandId)
          .setCausationId(commandId)
          .setTimestampMicros(timestampMicros)
          .setCommand(Payload.newBuilder().setTypeName(COMMAND_TYPE).setData(command.toByteString()))
          .build()
          .toByteArray();
    }
  }

  private final Workload workload;
  private final SplittableRandom random;
  private long next;

  CommandLog(Workload workload, long seed) {
    this.workload = workload;
    this.random = new SplittableRandom(seed);
  }

  Command next() {
    String commandId = "cmd-" + next++;
    String accountId = "acct-" + workload.nextAccount(random);
    long amount = 1 + random.nextInt(100);
    AccountCommand command = random.nextInt(10) < 6
        ? Account.deposit(accountId, amount)
        : Account.withdraw(accountId, amount);
    return new Command(commandId, accountId, command);
  }

  /** @return the index a command id of this log was generated with */
  static long indexOf(String commandId) {
    return Long.parseLong(commandId, "cmd-".length(), commandId.length(), 10);
  }
}
