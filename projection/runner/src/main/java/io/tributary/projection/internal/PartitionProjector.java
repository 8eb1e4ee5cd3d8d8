package io.tributary.projection.internal;

import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Turns the records of one events partition into a sink batch: decodes each {@link EventRecord}
 * with the codec of its aggregate type and calls the projection's handler for events of its
 * sources. Every other event becomes an entry without updates, so the sink's position moves past
 * it. Stateless apart from the definitions; safe to share.
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

  /**
   * The batch for {@code records}, and where it had to stop.
   *
   * @param batch the entries of the records before the first one that failed, in offset order
   * @param stop the first record that could not be decoded or projected; null if none failed
   */
  public record Projected(List<SourcedUpdates> batch, @Nullable Stop stop) {}

  /** A record that stops its partition: its offset and the reason, with the cause. */
  public record Stop(long offset, String reason, Throwable cause) {}

  /** @param records records of one partition in offset order */
  public Projected project(List<ConsumerRecord<byte[], byte[]>> records) {
    List<SourcedUpdates> batch = new ArrayList<>(records.size());
    for (ConsumerRecord<byte[], byte[]> record : records) {
      String where = "event at " + record.topic() + "/" + record.partition() + "@" + record.offset();
      try {
        batch.add(new SourcedUpdates(new SourcePosition(record.partition(), record.offset()), updates(record, where)));
      } catch (RuntimeException e) {
        return new Projected(batch, new Stop(record.offset(), describe(e, where), e));
      }
    }
    return new Projected(batch, null);
  }

  private List<ViewUpdate> updates(ConsumerRecord<byte[], byte[]> record, String where) {
    byte[] value = record.value();
    if (value == null) {
      throw new PermanentException(where + " has no value; the events topic holds only EventRecords.");
    }
    EventRecord event = WireFormat.parse(EventRecord.parser(), value, where);
    if (!sources.contains(event.getAggregateType())) {
      return List.of();
    }
    EventEnvelope<? extends Message> envelope = envelope(event, where);
    List<ViewUpdate> updates;
    try {
      updates = projection.handler().project(envelope, null);
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

  private static String describe(RuntimeException e, String where) {
    if (e instanceof HandlerFailure || e instanceof PermanentException) {
      return e.getMessage();
    }
    return "Cannot project " + where + ": " + e + ". The record is malformed or the handler returned a bad update.";
  }

  /** The projection's handler threw; carries the handler's exception as its cause. */
  static final class HandlerFailure extends RuntimeException {
    HandlerFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
