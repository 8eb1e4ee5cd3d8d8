package io.tributary.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.bank.v1.AccountCommand;
import io.tributary.runtime.bank.v1.AccountEvent;
import io.tributary.runtime.bank.v1.AccountState;
import io.tributary.core.Decision;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka Streams peer's one processor: it decodes a Tributary {@code CommandRecord}, loads the
 * account from a RocksDB key-value store, decides with the same {@link Account}, and for an
 * accepted command forwards one {@code EventRecord} (keyed by account id) to the events sink and
 * puts the new state; for a rejected one it forwards a rejected {@code OutcomeRecord} (keyed by
 * command id) to the outcomes sink. State is stored as Tributary stores it: a {@code StoredAggregate}
 * (version and state bytes). It keeps no dedupe entries by command id: Kafka Streams' exactly-once
 * covers redelivered records, not a client's resend.
 */
final class AccountProcessor implements Processor<String, byte[], String, byte[]> {
  static final String STORE = "accounts";
  static final String EVENTS_SINK = "events";
  static final String OUTCOMES_SINK = "outcomes";
  private static final String EVENT_TYPE = AccountEvent.getDescriptor().getFullName();

  private final Account account = new Account();
  private @Nullable ProcessorContext<String, byte[]> context;
  private @Nullable KeyValueStore<String, byte[]> store;

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    ProcessorContext<String, byte[]> output = Objects.requireNonNull(context, "init was not called");
    KeyValueStore<String, byte[]> accounts = Objects.requireNonNull(store, "init was not called");
    CommandRecord command = parse(record.value());
    AccountCommand decoded = decode(command);
    byte[] stored = accounts.get(command.getAggregateId());
    StoredAggregate current = stored == null ? StoredAggregate.getDefaultInstance() : storedAggregate(stored);
    AccountState state = accountState(current);
    Decision<AccountEvent> decision = account.decide(decoded, state);
    if (decision instanceof Decision.Rejected<AccountEvent> rejected) {
      OutcomeRecord outcome = OutcomeRecord.newBuilder()
          .setCommandId(command.getCommandId())
          .setAggregateType(command.getAggregateType())
          .setAggregateId(command.getAggregateId())
          .setRejected(OutcomeRecord.Rejected.newBuilder()
              .setCode(rejected.rejection().code()).setMessage(rejected.rejection().message()))
          .build();
      output.forward(record.withKey(command.getCommandId()).withValue(outcome.toByteArray()), OUTCOMES_SINK);
      return;
    }
    long version = current.getVersion();
    for (AccountEvent event : ((Decision.Accepted<AccountEvent>) decision).events()) {
      state = account.evolve(state, event);
      version++;
      EventRecord eventRecord = EventRecord.newBuilder()
          .setAggregateType(command.getAggregateType())
          .setAggregateId(command.getAggregateId())
          .setSequence(version)
          .setCommandId(command.getCommandId())
          .setCorrelationId(command.getCorrelationId())
          .setCausationId(command.getCommandId())
          .setTimestampMicros(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()))
          .setEvent(Payload.newBuilder().setTypeName(EVENT_TYPE).setData(event.toByteString()))
          .build();
      output.forward(record.withKey(command.getAggregateId()).withValue(eventRecord.toByteArray()), EVENTS_SINK);
    }
    if (version != current.getVersion()) {
      accounts.put(command.getAggregateId(),
          StoredAggregate.newBuilder().setVersion(version).setState(state.toByteString()).build().toByteArray());
    }
  }

  private static CommandRecord parse(byte[] value) {
    try {
      return CommandRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A command record does not parse: " + e.getMessage(), e);
    }
  }

  private static AccountCommand decode(CommandRecord command) {
    try {
      return AccountCommand.parseFrom(command.getCommand().getData());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Command " + command.getCommandId() + " does not parse: " + e.getMessage(), e);
    }
  }

  private static StoredAggregate storedAggregate(byte[] stored) {
    try {
      return StoredAggregate.parseFrom(stored);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A stored account does not parse: " + e.getMessage(), e);
    }
  }

  private static AccountState accountState(StoredAggregate stored) {
    try {
      return AccountState.parseFrom(stored.getState());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A stored account state does not parse: " + e.getMessage(), e);
    }
  }
}
