package io.tributary.runtime.internal.store;

import com.google.protobuf.ByteString;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.StoredAggregate;
import java.nio.charset.StandardCharsets;

/** Values for store tests. */
final class StoreRecords {
  private StoreRecords() {}

  static StoredAggregate state(long version, String state) {
    return StoredAggregate.newBuilder()
        .setVersion(version)
        .setState(ByteString.copyFrom(state, StandardCharsets.UTF_8))
        .build();
  }

  static OutcomeRecord rejected(String commandId, String code) {
    return OutcomeRecord.newBuilder()
        .setCommandId(commandId)
        .setAggregateType("Post")
        .setAggregateId("p-1")
        .setRejected(OutcomeRecord.Rejected.newBuilder().setCode(code).setMessage("no"))
        .build();
  }

  static OutcomeRecord accepted(String commandId, long version) {
    return OutcomeRecord.newBuilder()
        .setCommandId(commandId)
        .setAggregateType("Post")
        .setAggregateId("p-1")
        .setAccepted(OutcomeRecord.Accepted.newBuilder().setVersion(version).setEventCount(1))
        .build();
  }
}
