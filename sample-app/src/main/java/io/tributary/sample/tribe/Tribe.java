package io.tributary.sample.tribe;

import io.tributary.core.Aggregate;
import io.tributary.core.Decision;
import io.tributary.core.definition.AggregateDefinition;
import io.tributary.sample.tribe.v1.CreateTribe;
import io.tributary.sample.tribe.v1.MemberJoined;
import io.tributary.sample.tribe.v1.MemberLeft;
import io.tributary.sample.tribe.v1.TribeCommand;
import io.tributary.sample.tribe.v1.TribeCreated;
import io.tributary.sample.tribe.v1.TribeEvent;
import io.tributary.sample.tribe.v1.TribeState;

/**
 * A tribe of drivers. The driver who creates a tribe is its founder and first member; other drivers
 * join and leave. The founder cannot leave, so a tribe always has its founder among its members.
 *
 * <p>Rejection codes: {@code COMMAND_EMPTY}, {@code DRIVER_REQUIRED}, {@code TRIBE_EXISTS}, {@code
 * NAME_REQUIRED}, {@code NAME_TOO_LONG}, {@code DESCRIPTION_TOO_LONG}, {@code TRIBE_NOT_FOUND},
 * {@code ALREADY_MEMBER}, {@code NOT_A_MEMBER}, {@code FOUNDER_CANNOT_LEAVE}.
 *
 * <p>Pure and stateless: safe to share between threads.
 */
public final class Tribe implements Aggregate<TribeCommand, TribeState, TribeEvent> {
  /** The longest tribe name, in Unicode code points. */
  public static final int MAX_NAME_LENGTH = 80;

  /** The longest tribe description, in Unicode code points. */
  public static final int MAX_DESCRIPTION_LENGTH = 1000;

  /** The {@code Tribe} aggregate, keyed by {@link TribeCommand#getTribeId()}. */
  public static final AggregateDefinition<TribeCommand, TribeState, TribeEvent> DEFINITION =
      AggregateDefinition.of("Tribe", new Tribe())
          .commands(TribeCommand.getDefaultInstance())
          .events(TribeEvent.getDefaultInstance())
          .keyedBy(TribeCommand::getTribeId);

  @Override
  public TribeState initialState() {
    return TribeState.getDefaultInstance();
  }

  @Override
  public Decision<TribeEvent> decide(TribeCommand command, TribeState state) {
    String tribeId = command.getTribeId();
    String driverId = command.getDriverId();
    if (driverId.isBlank()) {
      return Decision.reject(
          "DRIVER_REQUIRED", "Command for tribe %s names no driver; set driver_id to the sender", tribeId);
    }
    return switch (command.getKindCase()) {
      case CREATE -> create(tribeId, driverId, command.getCreate(), state);
      case JOIN -> join(tribeId, driverId, state);
      case LEAVE -> leave(tribeId, driverId, state);
      case KIND_NOT_SET -> Decision.reject(
          "COMMAND_EMPTY", "Command for tribe %s from driver %s sets no kind; set create, join or leave",
          tribeId, driverId);
    };
  }

  @Override
  public TribeState evolve(TribeState state, TribeEvent event) {
    return switch (event.getKindCase()) {
      case CREATED -> {
        TribeCreated created = event.getCreated();
        yield state.toBuilder()
            .setExists(true)
            .setName(created.getName())
            .setDescription(created.getDescription())
            .setFounderId(created.getFounderId())
            .clearMemberIds()
            .addMemberIds(created.getFounderId())
            .build();
      }
      case MEMBER_JOINED -> state.toBuilder().addMemberIds(event.getMemberJoined().getDriverId()).build();
      case MEMBER_LEFT -> {
        String leaver = event.getMemberLeft().getDriverId();
        yield state.toBuilder()
            .clearMemberIds()
            .addAllMemberIds(state.getMemberIdsList().stream().filter(id -> !id.equals(leaver)).toList())
            .build();
      }
      case KIND_NOT_SET -> throw new IllegalStateException(
          "Tribe event kind is " + event.getKindCase() + ": the event sets none of created, member_joined"
              + " or member_left. It was written by a newer or broken producer; events are never skipped,"
              + " so fix the producer or upcast the event.");
    };
  }

  private static Decision<TribeEvent> create(
      String tribeId, String founderId, CreateTribe create, TribeState state) {
    if (state.getExists()) {
      return Decision.reject(
          "TRIBE_EXISTS", "Tribe %s already exists (founded by driver %s); choose another tribe id",
          tribeId, state.getFounderId());
    }
    if (create.getName().isBlank()) {
      return Decision.reject("NAME_REQUIRED", "Tribe %s needs a name that is not blank", tribeId);
    }
    if (codePoints(create.getName()) > MAX_NAME_LENGTH) {
      return Decision.reject(
          "NAME_TOO_LONG", "The name of tribe %s has %d characters; the limit is %d",
          tribeId, codePoints(create.getName()), MAX_NAME_LENGTH);
    }
    if (codePoints(create.getDescription()) > MAX_DESCRIPTION_LENGTH) {
      return Decision.reject(
          "DESCRIPTION_TOO_LONG", "The description of tribe %s has %d characters; the limit is %d",
          tribeId, codePoints(create.getDescription()), MAX_DESCRIPTION_LENGTH);
    }
    return Decision.accept(TribeEvent.newBuilder()
        .setCreated(TribeCreated.newBuilder()
            .setTribeId(tribeId)
            .setName(create.getName())
            .setDescription(create.getDescription())
            .setFounderId(founderId))
        .build());
  }

  private static Decision<TribeEvent> join(String tribeId, String driverId, TribeState state) {
    if (!state.getExists()) {
      return notFound(tribeId);
    }
    if (state.getMemberIdsList().contains(driverId)) {
      return Decision.reject(
          "ALREADY_MEMBER", "Driver %s is already a member of tribe %s", driverId, tribeId);
    }
    return Decision.accept(TribeEvent.newBuilder()
        .setMemberJoined(MemberJoined.newBuilder().setTribeId(tribeId).setDriverId(driverId))
        .build());
  }

  private static Decision<TribeEvent> leave(String tribeId, String driverId, TribeState state) {
    if (!state.getExists()) {
      return notFound(tribeId);
    }
    if (!state.getMemberIdsList().contains(driverId)) {
      return Decision.reject("NOT_A_MEMBER", "Driver %s is not a member of tribe %s", driverId, tribeId);
    }
    if (state.getFounderId().equals(driverId)) {
      return Decision.reject(
          "FOUNDER_CANNOT_LEAVE", "Driver %s founded tribe %s and cannot leave it", driverId, tribeId);
    }
    return Decision.accept(TribeEvent.newBuilder()
        .setMemberLeft(MemberLeft.newBuilder().setTribeId(tribeId).setDriverId(driverId))
        .build());
  }

  private static Decision<TribeEvent> notFound(String tribeId) {
    return Decision.reject("TRIBE_NOT_FOUND", "Tribe %s does not exist; create it first", tribeId);
  }

  private static int codePoints(String text) {
    return text.codePointCount(0, text.length());
  }
}
