package io.tributary.benchmarks;

import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountEvent;
import java.util.List;

/** The projections the read-side benchmark runs over the bank account's events. */
final class ReadSideProjections {
  private ReadSideProjections() {}

  /**
   * Redis counters: per event the account's balance moves by the amount ({@code HINCRBY
   * balance:<account> cents}) and its deposit or withdrawal count by one ({@code HINCRBY
   * counts:<account> deposits|withdrawals}). Two updates per event.
   */
  static ProjectionDefinition<ViewUpdate> balances(String name) {
    return ProjectionDefinition.of(name, envelope -> {
      AccountEvent event = (AccountEvent) envelope.event();
      String account = envelope.aggregateId();
      return switch (event.getKindCase()) {
        case DEPOSITED -> List.of(
            new ViewUpdate.Increment("balance:" + account, "cents", event.getDeposited().getAmount()),
            new ViewUpdate.Increment("counts:" + account, "deposits", 1));
        case WITHDRAWN -> List.of(
            new ViewUpdate.Increment("balance:" + account, "cents", -event.getWithdrawn().getAmount()),
            new ViewUpdate.Increment("counts:" + account, "withdrawals", 1));
        case KIND_NOT_SET -> throw new IllegalStateException("AccountEvent without a kind: " + envelope.eventId());
      };
    }, Account.TYPE);
  }

  /** The mapping of {@link #accountDocuments}'s index. */
  static final String ACCOUNT_MAPPING = """
      {"properties":{"account":{"type":"keyword"},"sequence":{"type":"long"},"last_amount":{"type":"long"}}}""";

  /**
   * Elasticsearch documents: per event the account's document in {@code index} is replaced by one
   * with its sequence and the event's signed amount. One document write per event.
   */
  static ProjectionDefinition<ViewUpdate> accountDocuments(String name, String index) {
    return ProjectionDefinition.of(name, envelope -> {
      AccountEvent event = (AccountEvent) envelope.event();
      long amount = event.hasDeposited() ? event.getDeposited().getAmount() : -event.getWithdrawn().getAmount();
      return List.of(new ViewUpdate.PutDocument(index, envelope.aggregateId(),
          "{\"account\":\"" + envelope.aggregateId() + "\",\"sequence\":" + envelope.sequence()
              + ",\"last_amount\":" + amount + "}"));
    }, Account.TYPE);
  }
}
