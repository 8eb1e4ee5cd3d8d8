package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.runtime.Partitioner;
import io.tributary.runtime.internal.store.RocksPartitionStore;
import io.tributary.runtime.internal.store.StoreBatch.AggregateKey;
import io.tributary.runtime.internal.wire.CommandRecord;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Payload;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record Kafka would refuse must fail its command, never abort the batch's transaction again and
 * again; a command record that does not parse fails under its offset. Either way the next command is
 * decided.
 */
class PartitionBatchRecordLimitTest {
  private static final int LIMIT = 500;
  private static final Partitioner PARTITIONER = new Partitioner(8);
  private static final String NOTEBOOK = "notebook-1";
  private static final int PARTITION = PARTITIONER.partitionFor(NOTEBOOK);
  private static final ServiceDefinition SERVICE = ServiceDefinition.builder("svc").aggregate(Notebook.DEFINITION)
      .build();

  /**
   * Holds one note: a command's text becomes the event's bytes, a second note is rejected. A text starting
   * with "reject:" is rejected with the text as its message, one starting with "throw:" throws it.
   */
  static final class Notebook implements Aggregate<StringValue, Int64Value, BytesValue> {
    static final String TYPE = "Notebook";
    static final AggregateDefinition<StringValue, Int64Value, BytesValue> DEFINITION =
        AggregateDefinition.of(TYPE, new Notebook())
            .commands(StringValue.getDefaultInstance())
            .events(BytesValue.getDefaultInstance())
            .keyedBy(command -> NOTEBOOK);

    @Override
    public Int64Value initialState() {
      return Int64Value.getDefaultInstance();
    }

    @Override
    public Decision<BytesValue> decide(StringValue command, Int64Value notes) {
      if (command.getValue().startsWith("reject:")) {
        return Decision.reject("NOTE_REFUSED", "%s", command.getValue());
      }
      if (command.getValue().startsWith("throw:")) {
        throw new IllegalStateException(command.getValue());
      }
      return notes.getValue() > 0
          ? Decision.reject("NOTEBOOK_FULL", "Notebook holds %d note", notes.getValue())
          : Decision.accept(BytesValue.of(command.getValueBytes()));
    }

    @Override
    public Int64Value evolve(Int64Value notes, BytesValue note) {
      return Int64Value.of(notes.getValue() + 1);
    }
  }

  @TempDir Path temp;
  private RocksPartitionStore store;
  private StateCache cache;
  private long nextOffset;

  @BeforeEach
  void setUp() {
    store = RocksPartitionStore.open(temp.resolve("p-" + PARTITION), PARTITION);
    cache = new StateCache(10_000);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  @Test
  void failsARecordThatDoesNotParseUnderItsOffsetAndDecidesTheNext() {
    PartitionBatch batch = batch();
    long garbage = nextOffset++;
    batch.decide(garbage, new byte[] {(byte) 0xff, 0x01, 0x02});
    batch.decide(nextOffset++, command("c-2", "reject:decided all the same"));

    String id = "offset-" + PARTITION + "-" + garbage;
    assertThat(batch.decidedOutcomes()).extracting(DecidedOutcome::commandId).containsExactly(id, "c-2");
    assertThat(batch.decidedOutcomes().getFirst().get()).satisfies(outcome -> {
      assertThat(outcome.getCommandId()).isEqualTo(id);
      assertThat(outcome.getResultCase()).isEqualTo(OutcomeRecord.ResultCase.FAILED);
      assertThat(outcome.getFailed().getError())
          .startsWith("Cannot parse command record at offset " + garbage + " of partition " + PARTITION + " (3 bytes): ")
          .contains("answered as failed under the id " + id)
          .contains("produce commands to this topic as the gateway does");
    });
    assertThat(batch.decidedOutcomes().get(1).get().getRejected().getMessage()).isEqualTo("reject:decided all the same");
    assertThat(batch.nextCommandOffset()).isEqualTo(nextOffset);
  }

  @Test
  void failsARecordWhoseIdIsNotUtf8AsOneThatDoesNotParse() {
    PartitionBatch batch = batch();
    long offset = nextOffset++;
    byte[] notUtf8 = CommandRecord.newBuilder()
        .setCommandIdBytes(ByteString.copyFrom(new byte[] {'c', (byte) 0xc3, '-', '1'}))
        .setAggregateType(Notebook.TYPE).setAggregateId(NOTEBOOK)
        .build().toByteArray();
    batch.decide(offset, notUtf8);
    batch.decide(nextOffset++, command("c-2", "decided all the same"));

    String id = "offset-" + PARTITION + "-" + offset;
    assertThat(batch.decidedOutcomes()).extracting(DecidedOutcome::commandId).containsExactly(id, "c-2");
    assertThat(batch.decidedOutcomes().getFirst().get().getFailed().getError())
        .startsWith("Cannot parse command record at offset " + offset + " of partition " + PARTITION)
        .contains("Field command_id of the CommandRecord is not valid UTF-8");
    assertThat(DecodedEvents.of(batch)).singleElement().extracting(EventRecord::getCommandId).isEqualTo("c-2");
  }

  @Test
  void failsACommandWhoseEventIsOverTheLimitAndDecidesTheNextAgainstTheUnchangedState() {
    PartitionBatch batch = batch();
    batch.decide(nextOffset++, command("c-1", "n".repeat(LIMIT)));
    batch.decide(nextOffset++, command("c-2", "a short note"));

    assertThat(batch.decidedOutcomes().getFirst().get()).satisfies(outcome -> {
      assertThat(outcome.getResultCase()).isEqualTo(OutcomeRecord.ResultCase.FAILED);
      assertThat(outcome.getFailed().getError())
          .startsWith("Command c-1 was accepted but its event 1 of 1 (google.protobuf.BytesValue) is ")
          .containsPattern(" is \\d{3} bytes with its key, over the limit of " + LIMIT + " bytes ")
          .contains("raise max.request.size in the Kafka properties");
    });
    assertThat(DecodedEvents.of(batch)).as("only the next command's event").singleElement().satisfies(event -> {
      assertThat(event.getCommandId()).isEqualTo("c-2");
      assertThat(event.getSequence()).as("decided against version 0, not the refused command's 1").isEqualTo(1);
    });

    batch.cacheCommittedStates();
    assertThat(CachedState.of(cache, new AggregateKey(Notebook.TYPE, NOTEBOOK)))
        .as("one note: the refused command's state change was not applied")
        .isEqualTo(new CachedState(Int64Value.of(1), 1));
  }

  @Test
  void cutsARejectionMessageThatWouldMakeTheOutcomeOverTheLimit() {
    PartitionBatch batch = batch();
    // two bytes a character: the cut must not split one
    batch.decide(nextOffset++, command("c-1", "reject:" + "é".repeat(LIMIT)));

    OutcomeRecord outcome = batch.decidedOutcomes().getFirst().get();
    assertThat(outcome.getRejected().getCode()).isEqualTo("NOTE_REFUSED");
    assertThat(outcome.getRejected().getMessage())
        .startsWith("reject:éé")
        .doesNotContain("\uFFFD")
        .matches("reject:é+ \\.\\.\\. \\[truncated: \\d+ bytes]");
    assertThat(outcome.getSerializedSize() + outcome.getCommandIdBytes().size()).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void cutsAFailureTextThatWouldMakeTheOutcomeOverTheLimit() {
    PartitionBatch batch = batch();
    batch.decide(nextOffset++, command("c-1", "throw:" + "x".repeat(2 * LIMIT)));

    OutcomeRecord outcome = batch.decidedOutcomes().getFirst().get();
    assertThat(outcome.getFailed().getError())
        .startsWith("Command c-1 could not be decided: java.lang.IllegalStateException: throw:xxx")
        .endsWith(" bytes]")
        .contains(" ... [truncated: ");
    assertThat(outcome.getSerializedSize() + outcome.getCommandIdBytes().size()).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void failsWithTheIdsAloneAnOutcomeTooLargeEvenWithItsTextCut() {
    PartitionBatch batch = batch();
    // an aggregate id longer than the limit, from a producer that skipped the gateway's checks
    batch.decide(nextOffset++, command("c-1", "n".repeat(LIMIT), "reject:no"));

    OutcomeRecord outcome = batch.decidedOutcomes().getFirst().get();
    assertThat(outcome.getCommandId()).isEqualTo("c-1");
    assertThat(outcome.getAggregateId()).isEmpty();
    assertThat(outcome.getFailed().getError()).contains("even with its text cut; send shorter ids");
    assertThat(outcome.getSerializedSize() + outcome.getCommandIdBytes().size()).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  void keepsAnOutcomeUnderTheLimitWhole() {
    PartitionBatch batch = batch();
    batch.decide(nextOffset++, command("c-1", "reject:not today"));

    assertThat(batch.decidedOutcomes().getFirst().get().getRejected().getMessage()).isEqualTo("reject:not today");
  }

  @Test
  void theLimitIsTheProducersMaxRequestSizeLessTheHeadroom() {
    assertThat(RecordSizeLimit.of(Map.of()).maxRecordBytes()).isEqualTo(1_048_576 - RecordSizeLimit.RECORD_HEADROOM_BYTES);
    assertThat(RecordSizeLimit.of(Map.of("max.request.size", " 4194304 ")).maxRecordBytes())
        .isEqualTo(4_194_304 - RecordSizeLimit.RECORD_HEADROOM_BYTES);
    assertThatThrownBy(() -> RecordSizeLimit.of(Map.of("max.request.size", "1MB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max.request.size is '1MB', not a whole number of bytes");
    assertThatThrownBy(() -> RecordSizeLimit.of(Map.of("max.request.size", "1000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max.request.size is 1000; it must be more than 16384 bytes");
  }

  @Test
  void theTopicsMaxMessageBytesLimitsWhenItIsTheSmaller() {
    RecordSizeLimit producer = RecordSizeLimit.of(Map.of());
    assertThat(producer.withinTopics(1_048_588, "e and o")).as("Kafka's defaults: the producer's is smaller")
        .isSameAs(producer);
    assertThat(producer.withinTopics(Integer.MAX_VALUE, "e and o")).isSameAs(producer);
    RecordSizeLimit topics = producer.withinTopics(100_000, "e and o");
    assertThat(topics.maxRecordBytes()).isEqualTo(100_000 - RecordSizeLimit.RECORD_HEADROOM_BYTES);
    assertThat(topics.describe()).isEqualTo("over the limit of " + (100_000 - RecordSizeLimit.RECORD_HEADROOM_BYTES)
        + " bytes (max.message.bytes of e and o less 16384 bytes of headroom)");
  }

  private PartitionBatch batch() {
    return new PartitionBatch(PARTITION, store, cache, null, SERVICE, PARTITIONER, Clock.systemUTC(), ByteString.copyFromUtf8("instance-1"), 4,
        new RecordSizeLimit(LIMIT, "max.request.size"));
  }

  private static byte[] command(String commandId, String text) {
    return command(commandId, NOTEBOOK, text);
  }

  private static byte[] command(String commandId, String aggregateId, String text) {
    return CommandRecord.newBuilder()
        .setCommandId(commandId).setAggregateType(Notebook.TYPE).setAggregateId(aggregateId)
        .setCorrelationId(commandId).setCausationId(commandId)
        .setCommand(Payload.newBuilder().setTypeName(SERVICE.aggregate(Notebook.TYPE).commandCodec().typeName())
            .setData(StringValue.of(text).toByteString()))
        .build().toByteArray();
  }
}
