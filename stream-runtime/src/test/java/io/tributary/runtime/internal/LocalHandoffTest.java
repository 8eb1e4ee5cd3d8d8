package io.tributary.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.runtime.internal.wire.CommandRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LocalHandoffTest {
  private final LocalHandoff handoff = new LocalHandoff(4, true);
  private final LocalHandoff.Inbox inbox = new LocalHandoff.Inbox(2);

  @Test
  void aPartitionIsTakenOnlyWhileALoopOwnsIt() {
    assertThat(handoff.offer(1, command("c-1"))).as("nobody owns partition 1 yet").isFalse();
    handoff.own(1, inbox);
    assertThat(handoff.offer(1, command("c-2"))).isTrue();
    assertThat(handoff.offer(2, command("c-3"))).as("partition 2 is owned elsewhere").isFalse();

    // a release by a loop that no longer owns the partition leaves the new owner's registration alone
    LocalHandoff.Inbox newOwner = new LocalHandoff.Inbox(2);
    handoff.own(1, newOwner);
    handoff.release(1, inbox);
    assertThat(handoff.offer(1, command("c-4"))).isTrue();
    handoff.release(1, newOwner);
    assertThat(handoff.offer(1, command("c-5"))).isFalse();

    LocalHandoff.Handed handed = inbox.poll();
    assertThat(handed.command().getCommandId()).isEqualTo("c-2");
    assertThat(handed.partition()).as("the partition the gateway computed").isEqualTo(1);
    assertThat(inbox.poll()).isNull();
    assertThat(newOwner.poll().command().getCommandId()).isEqualTo("c-4");
  }

  @Test
  void aFullInboxDeclinesSoTheGatewayAppendsToTheTopic() {
    handoff.own(0, inbox);
    assertThat(handoff.offer(0, command("c-1"))).isTrue();
    assertThat(handoff.offer(0, command("c-2"))).isTrue();
    assertThat(handoff.offer(0, command("c-3"))).isFalse();
    inbox.poll();
    assertThat(handoff.offer(0, command("c-4"))).isTrue();
  }

  @Test
  void anOfferWakesALoopParkedBeforeItsPollOnlyOnce() {
    AtomicInteger wakeups = new AtomicInteger();
    inbox.wakeWith(wakeups::incrementAndGet);
    handoff.own(0, inbox);

    handoff.offer(0, command("c-1"));
    assertThat(wakeups).as("the loop was not waiting").hasValue(0);
    assertThat(inbox.park()).as("a command is waiting: the loop must not wait").isFalse();
    inbox.poll();

    assertThat(inbox.park()).isTrue();
    handoff.offer(0, command("c-2"));
    handoff.offer(0, command("c-3"));
    assertThat(wakeups).hasValue(1);
    inbox.unpark();
  }

  @Test
  void aClosedInboxDeclinesAndGivesBackWhatItHeld() {
    handoff.own(0, inbox);
    handoff.offer(0, command("c-1"));

    assertThat(inbox.close()).extracting(CommandRecord::getCommandId).containsExactly("c-1");
    assertThat(handoff.offer(0, command("c-2"))).isFalse();
    assertThat(inbox.poll()).isNull();
  }

  @Test
  void turnedOffItTakesNothing() {
    LocalHandoff off = new LocalHandoff(4, false);
    off.own(0, inbox);
    assertThat(off.offer(0, command("c-1"))).isFalse();
  }

  @Test
  void whatNoLoopTakesGoesToTheGatewaysAppend() {
    assertThatThrownBy(() -> handoff.toTopic(command("c-0")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("c-0");
    List<String> appended = new ArrayList<>();
    handoff.appendWith(record -> appended.add(record.getCommandId()));
    handoff.toTopic(command("c-1"));
    assertThat(appended).containsExactly("c-1");
  }

  private static CommandRecord command(String id) {
    return CommandRecord.newBuilder().setCommandId(id).setAggregateId("account-" + id).build();
  }
}
