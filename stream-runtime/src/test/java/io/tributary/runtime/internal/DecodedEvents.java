package io.tributary.runtime.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.runtime.internal.wire.EventRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A batch's encoded events read back, each checked to be keyed by its aggregate id. */
final class DecodedEvents {
  private DecodedEvents() {}

  static List<EventRecord> of(PartitionBatch batch) {
    List<EventRecord> decoded = new ArrayList<>();
    for (EncodedEvent event : batch.events()) {
      EventRecord record;
      try {
        record = EventRecord.parseFrom(event.value());
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("an event of the batch does not decode: " + e.getMessage(), e);
      }
      String key = new String(event.key(), StandardCharsets.UTF_8);
      if (!key.equals(record.getAggregateId())) {
        throw new AssertionError("event keyed " + key + " is of aggregate " + record.getAggregateId());
      }
      decoded.add(record);
    }
    return decoded;
  }
}
