package io.tributary.sample.tribe;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.sample.tribe.v1.CreateTribe;
import io.tributary.sample.tribe.v1.JoinTribe;
import io.tributary.sample.tribe.v1.LeaveTribe;
import io.tributary.sample.tribe.v1.MemberJoined;
import io.tributary.sample.tribe.v1.MemberLeft;
import io.tributary.sample.tribe.v1.TribeCommand;
import io.tributary.sample.tribe.v1.TribeCreated;
import io.tributary.sample.tribe.v1.TribeEvent;
import io.tributary.sample.tribe.v1.TribeState;
import io.tributary.testkit.AggregateFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

class TribeTest {
  private static final String TRIBE = "tribe-alpine-passes";
  private static final String NAME = "Alpine passes";
  private static final String DESCRIPTION = "Hairpins above 2000 m";
  private static final String FOUNDER = "driver-ana";
  private static final String RIDER = "driver-ben";
  private static final String OTHER_RIDER = "driver-cleo";

  private final AggregateFixture<TribeCommand, TribeState, TribeEvent> fixture =
      AggregateFixture.of(Tribe.DEFINITION);

  @Test
  void createsTribeWithFounderAsFirstMember() {
    fixture.givenNothing()
        .when(create(NAME, DESCRIPTION))
        .thenEvents(created())
        .thenState(tribeWithMembers(FOUNDER));
  }

  @Test
  void createsTribeWithoutDescription() {
    fixture.givenNothing()
        .when(create(NAME, ""))
        .thenEvents(created(NAME, ""));
  }

  @Test
  void countsNameLengthInCharactersNotUtf16Units() {
    String longestName = "🚗".repeat(Tribe.MAX_NAME_LENGTH);
    fixture.givenNothing()
        .when(create(longestName, DESCRIPTION))
        .thenEvents(created(longestName, DESCRIPTION));
  }

  @Test
  void rejectsCreatingTribeThatExists() {
    fixture.given(created())
        .when(create("Another name", DESCRIPTION))
        .thenRejected("TRIBE_EXISTS", TRIBE);
  }

  @Test
  void rejectsTribeWithBlankName() {
    fixture.givenNothing()
        .when(create("  ", DESCRIPTION))
        .thenRejected("NAME_REQUIRED", TRIBE);
  }

  @Test
  void rejectsTribeWithTooLongName() {
    fixture.givenNothing()
        .when(create("x".repeat(Tribe.MAX_NAME_LENGTH + 1), DESCRIPTION))
        .thenRejected("NAME_TOO_LONG", TRIBE);
  }

  @Test
  void rejectsTribeWithTooLongDescription() {
    fixture.givenNothing()
        .when(create(NAME, "x".repeat(Tribe.MAX_DESCRIPTION_LENGTH + 1)))
        .thenRejected("DESCRIPTION_TOO_LONG", TRIBE);
  }

  @Test
  void joinsTribe() {
    fixture.given(created())
        .when(join(RIDER))
        .thenEvents(joined(RIDER))
        .thenState(tribeWithMembers(FOUNDER, RIDER));
  }

  @Test
  void rejectsJoiningMissingTribe() {
    fixture.givenNothing()
        .when(join(RIDER))
        .thenRejected("TRIBE_NOT_FOUND", TRIBE);
  }

  @Test
  void rejectsDuplicateJoin() {
    fixture.given(created(), joined(RIDER))
        .when(join(RIDER))
        .thenRejected("ALREADY_MEMBER", RIDER);
  }

  @Test
  void rejectsFounderJoiningOwnTribe() {
    fixture.given(created())
        .when(join(FOUNDER))
        .thenRejected("ALREADY_MEMBER", FOUNDER);
  }

  @Test
  void rejoinsAfterLeaving() {
    fixture.given(created(), joined(RIDER), left(RIDER))
        .when(join(RIDER))
        .thenEvents(joined(RIDER))
        .thenState(tribeWithMembers(FOUNDER, RIDER));
  }

  @Test
  void leavesTribe() {
    fixture.given(created(), joined(RIDER))
        .when(leave(RIDER))
        .thenEvents(left(RIDER))
        .thenState(tribeWithMembers(FOUNDER));
  }

  @Test
  void rejectsLeavingMissingTribe() {
    fixture.givenNothing()
        .when(leave(RIDER))
        .thenRejected("TRIBE_NOT_FOUND", TRIBE);
  }

  @Test
  void rejectsLeavingTribeOneIsNotAMemberOf() {
    fixture.given(created(), joined(OTHER_RIDER))
        .when(leave(RIDER))
        .thenRejected("NOT_A_MEMBER", RIDER);
  }

  @Test
  void rejectsLeavingTwice() {
    fixture.given(created(), joined(RIDER), left(RIDER))
        .when(leave(RIDER))
        .thenRejected("NOT_A_MEMBER", RIDER);
  }

  @Test
  void rejectsFounderLeaving() {
    fixture.given(created(), joined(RIDER))
        .when(leave(FOUNDER))
        .thenRejected("FOUNDER_CANNOT_LEAVE", FOUNDER);
  }

  @Test
  void keepsMembersInJoinOrderAfterSeveralJoinsAndLeaves() {
    fixture.given(created(), joined(RIDER), joined(OTHER_RIDER), left(RIDER))
        .when(join(RIDER))
        .thenEvents(joined(RIDER))
        .thenState(tribeWithMembers(FOUNDER, OTHER_RIDER, RIDER));
  }

  @Test
  void rejectsCommandWithoutKind() {
    fixture.given(created())
        .when(command(RIDER).build())
        .thenRejected("COMMAND_EMPTY", TRIBE);
  }

  @Test
  void rejectsCommandWithoutDriver() {
    fixture.given(created())
        .when(command("").setJoin(JoinTribe.getDefaultInstance()).build())
        .thenRejected("DRIVER_REQUIRED", TRIBE);
  }

  @Test
  void refusesToEvolveEventWithoutKind() {
    assertThatThrownBy(() -> new Tribe().evolve(tribeWithMembers(FOUNDER), TribeEvent.getDefaultInstance()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("KIND_NOT_SET");
  }

  private static TribeCommand.Builder command(String driverId) {
    return TribeCommand.newBuilder().setTribeId(TRIBE).setDriverId(driverId);
  }

  /** A create command sent by {@link #FOUNDER}. */
  private static TribeCommand create(String name, String description) {
    return command(FOUNDER)
        .setCreate(CreateTribe.newBuilder().setName(name).setDescription(description))
        .build();
  }

  private static TribeCommand join(String driverId) {
    return command(driverId).setJoin(JoinTribe.getDefaultInstance()).build();
  }

  private static TribeCommand leave(String driverId) {
    return command(driverId).setLeave(LeaveTribe.getDefaultInstance()).build();
  }

  private static TribeEvent created() {
    return created(NAME, DESCRIPTION);
  }

  private static TribeEvent created(String name, String description) {
    return TribeEvent.newBuilder()
        .setCreated(TribeCreated.newBuilder()
            .setTribeId(TRIBE)
            .setName(name)
            .setDescription(description)
            .setFounderId(FOUNDER))
        .build();
  }

  private static TribeEvent joined(String driverId) {
    return TribeEvent.newBuilder()
        .setMemberJoined(MemberJoined.newBuilder().setTribeId(TRIBE).setDriverId(driverId))
        .build();
  }

  private static TribeEvent left(String driverId) {
    return TribeEvent.newBuilder()
        .setMemberLeft(MemberLeft.newBuilder().setTribeId(TRIBE).setDriverId(driverId))
        .build();
  }

  /** The state of the tribe {@link #created()} made, with {@code memberIds} in join order. */
  private static TribeState tribeWithMembers(String... memberIds) {
    return TribeState.newBuilder()
        .setExists(true)
        .setName(NAME)
        .setDescription(DESCRIPTION)
        .setFounderId(FOUNDER)
        .addAllMemberIds(List.of(memberIds))
        .build();
  }
}
