package io.tributary.projection.rebuild;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RebuildStatusCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return RebuildStatusCommand.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }

  @Test
  void missingArgumentIsNamedWithTheUsage() {
    assertThat(run("--bootstrap-servers", "localhost:9092", "--service", "tribes", "--version", "2"))
        .isEqualTo(RebuildStatusCommand.USAGE);
    assertThat(err.toString(UTF_8)).contains("Missing --projection", "Usage: RebuildStatusCommand");
  }

  @Test
  void unknownArgumentIsRejected() {
    assertThat(run("--bootstrap", "localhost:9092")).isEqualTo(RebuildStatusCommand.USAGE);
    assertThat(err.toString(UTF_8)).contains("'--bootstrap'");
  }

  @Test
  void versionMustBeAProjectionVersion() {
    assertThat(run("--bootstrap-servers", "localhost:9092", "--service", "tribes", "--projection", "posts",
        "--version", "0")).isEqualTo(RebuildStatusCommand.USAGE);
    assertThat(err.toString(UTF_8)).contains("--version must be a projection version (1 or more)", "got --version 0");
  }

  @Test
  void intervalsTakeMillisecondsSecondsAndMinutes() {
    assertThat(RebuildStatusCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(RebuildStatusCommand.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(RebuildStatusCommand.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> RebuildStatusCommand.parseDuration("10")).isInstanceOf(NumberFormatException.class);
    assertThatThrownBy(() -> RebuildStatusCommand.parseDuration("0s")).isInstanceOf(NumberFormatException.class);
  }

  @Test
  void unreachableBrokersFailWithTheCauseAndTheFix() {
    assertThat(run("--bootstrap-servers", "127.0.0.1:1", "--service", "tribes", "--projection", "posts",
        "--version", "2", "--once")).isEqualTo(RebuildStatusCommand.FAILED);
    assertThat(err.toString(UTF_8)).contains("Cannot read the progress of tribes.posts.v2", "127.0.0.1:1",
        "Check that the brokers run");
  }
}
