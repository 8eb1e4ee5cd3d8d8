package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.tributary.core.codec.CodecException;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.TransientException;
import io.tributary.runtime.CommandGateway;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.InvalidCommandException;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.time.Clock;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The gateway of one instance: checks a command at the edge, hands it to the task loop here that
 * owns its partition (ADR 0009) or else appends it to its partition of the commands topic, and returns
 * the future its outcome completes. Thread-safe.
 */
public final class KafkaCommandGateway implements CommandGateway {
  private static final int MAX_ID_LENGTH = 256;

  private final ServiceDefinition definition;
  private final Producer<byte[], byte[]> producer;
  private final OutcomeReader outcomes;
  private final LocalHandoff handoff;
  private final Topics topics;
  private final Partitioner partitioner;
  private final int maxCommandBytes;
  private final Clock clock;
  /** This instance's id as UTF-8, named in every command's {@code reply_to}. */
  private final ByteString instanceId;
  /** Per aggregate type, its names as UTF-8, encoded once. */
  private final Map<AggregateType<?, ?, ?>, TypeNames> typeNames;

  /** An aggregate type's name and its command type's name, as UTF-8. */
  private record TypeNames(ByteString aggregateType, ByteString commandType) {}

  /**
   * @param handoff the task loops of this instance; the gateway appends to the topic what they do
   *     not take, and what they give back
   * @param instanceId this instance's id, named in every command's {@code reply_to}: the instance that
   *     decides a command appends its outcome record when another instance waits for it (ADR 0008)
   */
  public KafkaCommandGateway(ServiceDefinition definition, Producer<byte[], byte[]> producer, OutcomeReader outcomes,
      LocalHandoff handoff, Partitioner partitioner, int maxCommandBytes, Clock clock, String instanceId) {
    this.definition = definition;
    this.producer = producer;
    this.outcomes = outcomes;
    this.handoff = handoff;
    this.topics = Topics.of(definition.name());
    this.partitioner = partitioner;
    this.maxCommandBytes = maxCommandBytes;
    this.clock = clock;
    this.instanceId = ByteString.copyFromUtf8(instanceId);
    Map<AggregateType<?, ?, ?>, TypeNames> names = new IdentityHashMap<>();
    definition.aggregates().forEach(type -> names.put(type, new TypeNames(ByteString.copyFromUtf8(type.name()),
        ByteString.copyFromUtf8(type.commandCodec().typeName()))));
    this.typeNames = Collections.unmodifiableMap(names); // read by the callers' threads
    handoff.appendWith(this::append);
  }

  @Override
  public CompletableFuture<CommandOutcome> send(SendCommand command) {
    checkId(command.commandId(), "command_id");
    if (command.correlationId() != null && !command.correlationId().isEmpty()) {
      checkId(command.correlationId(), "correlation_id");
    }
    AggregateType<?, ?, ?> type = definition.findAggregate(command.aggregateType()).orElseThrow(() ->
        new InvalidCommandException("Unknown aggregate type '" + command.aggregateType() + "'; known types: "
            + definition.aggregates().stream().map(AggregateType::name).toList() + "."));
    if (command.payload().length > maxCommandBytes) {
      throw new InvalidCommandException("Command " + command.commandId() + " has a payload of " + command.payload().length
          + " bytes; the limit is " + maxCommandBytes + " bytes. Send smaller commands, or raise the configured limit.");
    }
    String aggregateId = aggregateId(type, command);
    // the text as UTF-8, encoded here on the caller's thread: the task loop copies it into the events
    // as it is, whether the record is handed over or read from the topic (ADR 0003, "Wire records")
    ByteString commandId = ByteString.copyFromUtf8(command.commandId());
    ByteString correlationId = command.correlationId() == null || command.correlationId().isEmpty()
        ? commandId : ByteString.copyFromUtf8(command.correlationId());
    TypeNames names = typeNames.get(type);
    CommandRecord record = CommandRecord.newBuilder()
        .setCommandIdBytes(commandId)
        .setAggregateTypeBytes(names.aggregateType())
        .setAggregateIdBytes(ByteString.copyFromUtf8(aggregateId))
        .setCorrelationIdBytes(correlationId)
        .setCausationIdBytes(commandId)
        .setTimestampMicros(WireFormat.micros(clock.instant()))
        .setCommand(Payload.newBuilder().setTypeNameBytes(names.commandType())
            .setData(ByteString.copyFrom(command.payload())))
        .setReplyToBytes(instanceId)
        .build();
    CompletableFuture<CommandOutcome> outcome = outcomes.await(command.commandId());
    if (!handoff.offer(partitioner.partitionFor(aggregateId), record)) {
      append(record);
    }
    return outcome;
  }

  /** Appends a command to its partition of the commands topic; a failure ends its wait. */
  private void append(CommandRecord record) {
    ByteString key = record.getAggregateIdBytes(); // before the text: reading the text replaces the bytes with it
    try {
      producer.send(new ProducerRecord<>(topics.commands(), partitioner.partitionFor(record.getAggregateId()),
          key.toByteArray(), record.toByteArray()), (metadata, error) -> {
            if (error != null) {
              outcomes.fail(record.getCommandId(), notAppended(record, error));
            }
          });
    } catch (RuntimeException e) {
      // e.g. the producer closed: the send gave no future, and the caller's wait must not hang
      outcomes.fail(record.getCommandId(), notAppended(record, e));
    }
  }

  private static TransientException notAppended(CommandRecord record, Throwable error) {
    return new TransientException("Command " + record.getCommandId() + " could not be appended: " + error.getMessage()
        + ". Resending the same command id is safe.", error);
  }

  private static <C extends Message> String aggregateId(AggregateType<C, ?, ?> type, SendCommand command) {
    C decoded;
    try {
      decoded = type.commandCodec().decode(command.payload());
    } catch (CodecException e) {
      throw new InvalidCommandException("The payload of command " + command.commandId() + " is not a valid '"
          + type.commandCodec().typeName() + "': " + e.getMessage(), e);
    }
    try {
      return type.aggregateId(decoded);
    } catch (IllegalArgumentException e) {
      throw new InvalidCommandException(e.getMessage(), e);
    }
  }

  private static void checkId(String id, String field) {
    if (id.isBlank()) {
      throw new InvalidCommandException(field + " is missing; set it to a unique id such as a UUID (resending the"
          + " same id is how a client retries safely).");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidCommandException(field + " has " + id.length() + " characters; the limit is " + MAX_ID_LENGTH + ".");
    }
    for (int i = 0; i < id.length(); i++) {
      // a lone surrogate has no UTF-8 form: the id on the log would differ from the one the caller waits for
      if (Character.isHighSurrogate(id.charAt(i)) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(id.charAt(i))) {
        throw new InvalidCommandException(field + " holds a lone UTF-16 surrogate at index " + i + "; an id must be"
            + " valid Unicode text.");
      }
    }
  }
}
