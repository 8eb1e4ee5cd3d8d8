package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.core.codec.Codec;
import io.tributary.core.error.PermanentException;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.Position;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;

/** Conversions between the runtime's values and the records on Kafka. Stateless. */
public final class WireFormat {
  private WireFormat() {}

  /** @return {@code value} encoded by {@code codec}, under its stable type name */
  public static <T> Payload payload(Codec<T> codec, T value) {
    return Payload.newBuilder().setTypeName(codec.typeName()).setData(UnsafeByteOperations.unsafeWrap(codec.encode(value))).build();
  }

  /**
   * @return the payload decoded by {@code codec}
   * @throws PermanentException if the payload names another type; the record must not be skipped
   */
  public static <T> T decode(Codec<T> codec, Payload payload, String where) {
    return decode(codec, payload, () -> where);
  }

  /** As {@link #decode(Codec, Payload, String)}, building the description of the payload only for an error. */
  public static <T> T decode(Codec<T> codec, Payload payload, Supplier<String> where) {
    if (!payload.getTypeName().equals(codec.typeName())) {
      throw wrongType(codec, payload, where);
    }
    return codec.decode(payload.getData().toByteArray());
  }

  /**
   * As {@link #decode(Codec, Payload, Supplier)}, for a payload read as its type name and bytes
   * ({@link IncomingCommand}), given the codec's type name as UTF-8: the payload's is compared as it
   * came, without decoding it.
   */
  static <T> T decode(Codec<T> codec, ByteString codecTypeName, ByteString typeName, ByteString data,
      Supplier<String> where) {
    if (!typeName.equals(codecTypeName)) {
      throw wrongType(codec, typeName.toStringUtf8(), where);
    }
    return codec.decode(data.toByteArray());
  }

  private static PermanentException wrongType(Codec<?> codec, Payload payload, Supplier<String> where) {
    return wrongType(codec, payload.getTypeName(), where);
  }

  private static PermanentException wrongType(Codec<?> codec, String typeName, Supplier<String> where) {
    return new PermanentException(where.get() + " holds a '" + typeName + "' where '" + codec.typeName()
        + "' was expected. Register a codec under that type name, or check the producer.");
  }

  /** @return the record parsed from Kafka value bytes */
  public static <T> T parse(com.google.protobuf.Parser<T> parser, byte[] bytes, String where) {
    return parse(parser, bytes, () -> where);
  }

  /** As {@link #parse(com.google.protobuf.Parser, byte[], String)}, building the description only for an error. */
  public static <T> T parse(com.google.protobuf.Parser<T> parser, byte[] bytes, Supplier<String> where) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new PermanentException(unparseable(where.get(), bytes.length, e), e);
    }
  }

  /** @return the error for a record of {@code bytes} bytes at {@code where} that does not parse */
  static String unparseable(String where, int bytes, InvalidProtocolBufferException e) {
    return "Cannot parse " + where + " (" + bytes + " bytes): " + e.getMessage()
        + ". The topic holds a record this build does not understand.";
  }

  public static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }

  public static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  /**
   * @return the acceptance that the last event of a command tells (its {@code command_events} is set):
   *     the outcome record the task loop built when it decided the command (ADR 0008)
   */
  public static OutcomeRecord acceptance(EventRecord lastEvent, int partition, long offset) {
    return acceptance(lastEvent.getCommandIdBytes(), lastEvent.getAggregateTypeBytes(), lastEvent.getAggregateIdBytes(),
        lastEvent.getSequence(), lastEvent.getCommandEvents(), partition, offset);
  }

  /**
   * @return the outcome record of an acceptance with events: the aggregate's new {@code version}, and
   *     where the last of its {@code eventCount} events sits; the ids are UTF-8
   */
  public static OutcomeRecord acceptance(ByteString commandId, ByteString aggregateType, ByteString aggregateId,
      long version, int eventCount, int partition, long lastEventOffset) {
    return OutcomeRecord.newBuilder()
        .setCommandIdBytes(commandId)
        .setAggregateTypeBytes(aggregateType)
        .setAggregateIdBytes(aggregateId)
        .setAccepted(OutcomeRecord.Accepted.newBuilder()
            .setVersion(version)
            .setEventCount(eventCount)
            .setLastEvent(io.tributary.runtime.internal.wire.Position.newBuilder()
                .setPartition(partition).setOffset(lastEventOffset)))
        .build();
  }

  /** @return the public outcome of a record */
  public static CommandOutcome outcome(OutcomeRecord record) {
    return switch (record.getResultCase()) {
      case ACCEPTED -> {
        OutcomeRecord.Accepted accepted = record.getAccepted();
        Optional<Position> last = accepted.hasLastEvent()
            ? Optional.of(new Position(accepted.getLastEvent().getPartition(), accepted.getLastEvent().getOffset()))
            : Optional.empty();
        yield new CommandOutcome.Accepted(record.getCommandId(), accepted.getVersion(), accepted.getEventCount(), last,
            record.getDuplicate());
      }
      case REJECTED -> new CommandOutcome.Rejected(record.getCommandId(), record.getRejected().getCode(),
          record.getRejected().getMessage(), record.getDuplicate());
      case FAILED -> new CommandOutcome.Failed(record.getCommandId(), record.getFailed().getError(),
          record.getDuplicate());
      case RESULT_NOT_SET -> throw new PermanentException("Outcome of command " + record.getCommandId()
          + " has no result; the outcomes topic holds a record this build does not understand.");
    };
  }
}
