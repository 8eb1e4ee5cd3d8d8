package io.tributary.runtime.bank;

import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.runtime.bank.v1.Deposited;
import io.tributary.runtime.bank.v1.Withdrawn;

/** A bank account: deposits are accepted, a withdrawal beyond the balance is rejected. */
public final class Account implements Aggregate<AccountCommand, AccountState, AccountEvent> {
  public static final String TYPE = "Account";

  public static final AggregateDefinition<AccountCommand, AccountState, AccountEvent> DEFINITION =
      AggregateDefinition.of(TYPE, new Account())
          .commands(AccountCommand.getDefaultInstance())
          .events(AccountEvent.getDefaultInstance())
          .keyedBy(AccountCommand::getAccountId);

  public static ServiceDefinition service(String name) {
    return ServiceDefinition.builder(name).aggregate(DEFINITION).build();
  }

  @Override
  public AccountState initialState() {
    return AccountState.getDefaultInstance();
  }

  @Override
  public Decision<AccountEvent> decide(AccountCommand command, AccountState state) {
    return switch (command.getKindCase()) {
      case DEPOSIT -> command.getDeposit().getAmount() <= 0
          ? Decision.reject("AMOUNT_NOT_POSITIVE", "Deposit of %d to %s is not positive",
              command.getDeposit().getAmount(), command.getAccountId())
          : Decision.accept(AccountEvent.newBuilder()
              .setDeposited(Deposited.newBuilder().setAmount(command.getDeposit().getAmount())).build());
      case WITHDRAW -> command.getWithdraw().getAmount() > state.getBalance()
          ? Decision.reject("INSUFFICIENT_FUNDS", "Account %s holds %d, less than %d", command.getAccountId(),
              state.getBalance(), command.getWithdraw().getAmount())
          : Decision.accept(AccountEvent.newBuilder()
              .setWithdrawn(Withdrawn.newBuilder().setAmount(command.getWithdraw().getAmount())).build());
      case KIND_NOT_SET -> Decision.reject("COMMAND_EMPTY", "Command for %s sets no kind", command.getAccountId());
    };
  }

  @Override
  public AccountState evolve(AccountState state, AccountEvent event) {
    return switch (event.getKindCase()) {
      case DEPOSITED -> state.toBuilder()
          .setBalance(state.getBalance() + event.getDeposited().getAmount())
          .setDeposits(state.getDeposits() + 1).build();
      case WITHDRAWN -> state.toBuilder()
          .setBalance(state.getBalance() - event.getWithdrawn().getAmount())
          .setWithdrawals(state.getWithdrawals() + 1).build();
      case KIND_NOT_SET -> throw new IllegalStateException("AccountEvent without a kind");
    };
  }

  public static AccountCommand deposit(String account, long amount) {
    return AccountCommand.newBuilder().setAccountId(account)
        .setDeposit(io.tributary.runtime.bank.v1.Deposit.newBuilder().setAmount(amount)).build();
  }

  public static AccountCommand withdraw(String account, long amount) {
    return AccountCommand.newBuilder().setAccountId(account)
        .setWithdraw(io.tributary.runtime.bank.v1.Withdraw.newBuilder().setAmount(amount)).build();
  }
}
