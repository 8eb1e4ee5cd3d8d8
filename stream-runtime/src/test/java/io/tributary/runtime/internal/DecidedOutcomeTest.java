package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tributary.runtime.internal.store.CommandKey;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import io.tributary.runtime.internal.wire.Position;
import org.junit.jupiter.api.Test;

class DecidedOutcomeTest {
  @Test
  void buildsAnAcceptanceOnceItsLastEventHasAnOffset() {
    DecidedOutcome accepted = DecidedOutcome.accepted(CommandKey.of("c-1"), utf8("Account"), utf8("acct-1"), 4, 2, 3, 1,
        false);

    assertThat(accepted.positioned()).isFalse();
    assertThatThrownBy(accepted::get).isInstanceOf(IllegalStateException.class)
        .hasMessage("The acceptance of c-1 has no position yet: its events were not appended.");
    assertThatThrownBy(accepted::encoded).isInstanceOf(IllegalStateException.class)
        .hasMessage("The acceptance of c-1 has no position yet: its events were not appended.");

    accepted.eventsAppended(new long[] {70, 71});

    assertThat(accepted.positioned()).isTrue();
    assertThat(accepted.encoded()).as("written without building the record").isEqualTo(accepted.get().toByteArray());

    assertThat(accepted.get()).isEqualTo(OutcomeRecord.newBuilder()
        .setCommandId("c-1").setAggregateType("Account").setAggregateId("acct-1")
        .setAccepted(OutcomeRecord.Accepted.newBuilder().setVersion(4).setEventCount(2)
            .setLastEvent(Position.newBuilder().setPartition(3).setOffset(71)))
        .build());
    assertThat(accepted.get()).as("built once").isSameAs(accepted.get());
    assertThat(accepted.firstSeen()).isTrue();
    assertThat(accepted.append()).isFalse();
  }

  @Test
  void aDuplicateRepeatsTheFirstOutcomeMarkedDuplicate() {
    DecidedOutcome first =
        DecidedOutcome.accepted(CommandKey.of("c-1"), utf8("Account"), utf8("acct-1"), 1, 1, 0, 0, true);
    DecidedOutcome resend = DecidedOutcome.duplicate(CommandKey.of("c-1"), first);

    assertThat(resend.positioned()).as("its first outcome has no position yet").isFalse();
    assertThat(DecidedOutcome.duplicate(CommandKey.of("c-0"), () -> OutcomeRecord.getDefaultInstance()).positioned())
        .as("a resend of a stored outcome").isTrue();

    // the first's position is set after the resend was decided, before either is built
    first.eventsAppended(new long[] {12});

    assertThat(resend.positioned()).isTrue();

    assertThat(resend.get()).isEqualTo(first.get().toBuilder().setDuplicate(true).build());
    assertThat(resend.firstSeen()).isFalse();
    assertThat(resend.append()).isTrue();
  }

  @Test
  void aCompleteOutcomeIsAppendedAsItWas() {
    OutcomeRecord rejected = OutcomeRecord.newBuilder().setCommandId("c-2")
        .setRejected(OutcomeRecord.Rejected.newBuilder().setCode("INSUFFICIENT_FUNDS").setMessage("no"))
        .build();
    DecidedOutcome outcome = DecidedOutcome.complete(CommandKey.of("c-2"), rejected);
    assertThat(outcome.encoded()).isEqualTo(rejected.toByteArray());
    assertThat(outcome.positioned()).as("sent without waiting for the events").isTrue();

    outcome.eventsAppended(new long[0]);

    assertThat(outcome.get()).isSameAs(rejected);
    assertThat(outcome.append()).isTrue();
  }

  private static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
