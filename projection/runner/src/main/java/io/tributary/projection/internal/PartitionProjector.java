package io.tributary.projection.internal;

import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.KeyedState;
import io.tributary.core.codec.Codec;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.PermanentException;
import io.tributary.projection.sink.SourcePosition;
import io.tributary.projection.sink.SourcedUpdates;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.runtime.internal.WireFormat;
import io.tributary.runtime.internal.wire.EventRecord;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Turns one record of an events partition into a sink entry: decodes the {@link EventRecord} with
 * the codec of its aggregate type and calls the projection's handler for events of its sources.
 * Every other event becomes an entry without updates, so the sink's position moves past it.
 * Stateless apart from the definitions; safe to share.
 */
public final class PartitionProjector {
  private final ServiceDefinition service;
  private final ProjectionDefinition<ViewUpdate> projection;
  private final Set<String> sources;

  public PartitionProjector(ServiceDefinition service, ProjectionDefinition<ViewUpdate> projection) {
    this.service = service;
    this.projection = projection;
    this.sources = Set.copyOf(projection.sources());
  }

  /** @return true if the handler keeps keyed state, so {@link #project} needs a state */
  public boolean stateful() {
    return projection.handler().stateful();
  }

  /**
   * @param state the partition's keyed state as bytes; null for a stateless projection
   * @return the entry of {@code record}, at its offset
   * @throws Failure if the record does not decode, its aggregate type is unknown, or the handler
   *     throws or returns null
   */
  public SourcedUpdates project(ConsumerRecord<byte[], byte[]> record, @Nullable KeyedState<byte[]> state) {
    String where = "event at " + record.topic() + "/" + record.partition() + "@" + record.offset();
    @Nullable String aggregateId = null;
    try {
      byte[] value = record.value();
      if (value == null) {
        throw new PermanentException(where + " has no value; the events topic holds only EventRecords.");
      }
      EventRecord event = WireFormat.parse(EventRecord.parser(), value, where);
      aggregateId = event.getAggregateId();
      SourcePosition source = new SourcePosition(record.partition(), record.offset());
      if (!sources.contains(event.getAggregateType())) {
        return new SourcedUpdates(source, List.of());
      }
      return new SourcedUpdates(source, updates(envelope(event, where), state, where));
    } catch (Failure e) {
      throw e;
    } catch (RuntimeException e) {
      String reason = e instanceof HandlerFailure || e instanceof PermanentException ? e.getMessage()
          : "Cannot project " + where + ": " + e + ". The record is malformed or the handler returned a bad update.";
      throw new Failure(record.offset(), aggregateId, reason, e);
    }
  }

  /** @return the aggregate id of the event in {@code record}, or null if it does not decode */
  public static @Nullable String aggregateIdOf(ConsumerRecord<byte[], byte[]> record) {
    byte[] value = record.value();
    if (value == null) {
      return null;
    }
    try {
      return WireFormat.parse(EventRecord.parser(), value, "parked event").getAggregateId();
    } catch (RuntimeException e) {
      return null; // parked under the record's own key
    }
  }

  private List<ViewUpdate> updates(EventEnvelope<? extends Message> envelope, @Nullable KeyedState<byte[]> state,
      String where) {
    List<ViewUpdate> updates;
    try {
      updates = projection.handler().project(envelope, state);
    } catch (RuntimeException e) {
      throw new HandlerFailure("Projection '" + projection.name() + "' failed on " + where + " ("
          + envelope.eventId() + "): " + e + ". Fix the handler; the partition resumes here on restart.", e);
    }
    Objects.requireNonNull(updates, () -> "Projection '" + projection.name() + "' returned null for " + where
        + "; return an empty list for events it ignores.");
    return updates;
  }

  private EventEnvelope<? extends Message> envelope(EventRecord event, String where) {
    AggregateType<?, ?, ?> type = service.findAggregate(event.getAggregateType()).orElseThrow(() ->
        new PermanentException(where + " belongs to aggregate type '" + event.getAggregateType()
            + "', which service '" + service.name() + "' does not declare. Deploy the projection with the "
            + "service definition that wrote the event."));
    return envelope(event, type.eventCodec(), where);
  }

  private static <E extends Message> EventEnvelope<E> envelope(EventRecord event, Codec<E> codec, String where) {
    E decoded = WireFormat.decode(codec, event.getEvent(), where);
    return new EventEnvelope<>(event.getAggregateType(), event.getAggregateId(), event.getSequence(),
        event.getCommandId(), event.getCorrelationId(), event.getCausationId(),
        WireFormat.instant(event.getTimestampMicros()), decoded);
  }

  /**
   * A record that cannot be projected: it stops its partition or is parked.
   *
   * @see #offset()
   */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long offset;
    private final @Nullable String aggregateId;

    Failure(long offset, @Nullable String aggregateId, String reason, Throwable cause) {
      super(reason, cause);
      this.offset = offset;
      this.aggregateId = aggregateId;
    }

    /** @return the offset of the record */
    public long offset() {
      return offset;
    }

    /** @return the aggregate id of the event, or null if the record did not decode that far */
    public @Nullable String aggregateId() {
      return aggregateId;
    }
  }

  /** The projection's handler threw; carries the handler's exception as its cause. */
  static final class HandlerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HandlerFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
