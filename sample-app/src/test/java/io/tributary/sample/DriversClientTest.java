package io.tributary.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.sample.api.v1.CommandReply;
import io.tributary.sample.api.v1.Position;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DriversClientTest {
  @Test
  void parsesACommandWithItsOptions() throws Exception {
    DriversClient.Invocation invocation = DriversClient.parse(new String[] {
        "--target", "127.0.0.1:6000", "--command-id", "c-7", "comment", "p1", "niki", "c1", "Nice line"});

    assertThat(invocation).isNotNull();
    assertThat(invocation.target()).isEqualTo("127.0.0.1:6000");
    assertThat(invocation.commandId()).isEqualTo("c-7");
    assertThat(invocation.request().tribe()).isNull();
    assertThat(invocation.request().post()).isNotNull();
    assertThat(invocation.request().post().getPostId()).isEqualTo("p1");
    assertThat(invocation.request().post().getDriverId()).isEqualTo("niki");
    assertThat(invocation.request().post().getComment().getCommentId()).isEqualTo("c1");
    assertThat(invocation.request().post().getComment().getText()).isEqualTo("Nice line");
  }

  @Test
  void sendsToTheDefaultTargetWithANewCommandId() throws Exception {
    DriversClient.Invocation invocation = DriversClient.parse(new String[] {"create-tribe", "t1", "ayrton", "Alps"});

    assertThat(invocation).isNotNull();
    assertThat(invocation.target()).isEqualTo("127.0.0.1:50051");
    assertThat(invocation.commandId()).hasSize(36);
    assertThat(invocation.request().tribe()).isNotNull();
    assertThat(invocation.request().tribe().getCreate().getName()).isEqualTo("Alps");
  }

  @Test
  void refusesAWrongArgumentCount() {
    assertThatThrownBy(() -> DriversClient.parse(new String[] {"join", "t1"}))
        .isInstanceOf(DriversClient.UsageException.class)
        .hasMessage("join takes 2 arguments, not 1 (quote an argument that contains spaces).");
  }

  @Test
  void refusesABlankAggregateId() {
    assertThatThrownBy(() -> DriversClient.parse(new String[] {"bump", " ", "niki"}))
        .isInstanceOf(DriversClient.UsageException.class)
        .hasMessage("bump needs a POST_ID that is not blank: it routes the command.");
  }

  @Test
  void exitsWith64AndPrintsTheUsageOnAnUnknownCommand() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int status = DriversClient.run(new String[] {"frob"}, print(out), print(err));

    assertThat(status).isEqualTo(64);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("Unknown command 'frob'; the commands are [archive, bump, comment, create-tribe, join, leave,"
            + " publish].")
        .contains(DriversClient.USAGE);
  }

  @Test
  void printsAnAcceptedReplyOnOneLine() {
    CommandReply reply = CommandReply.newBuilder().setCommandId("c-1").setVersion(2).setEventCount(1)
        .setLastEvent(Position.newBuilder().setPartition(3).setOffset(2)).setDuplicate(true).build();
    CommandReply noOp = CommandReply.newBuilder().setCommandId("c-2").setVersion(2).build();

    assertThat(DriversClient.accepted(reply)).isEqualTo("accepted: version=2 events=1 position=3:2 (command c-1, duplicate)");
    assertThat(DriversClient.accepted(noOp)).isEqualTo("accepted: version=2 events=0 position=none (command c-2)");
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
