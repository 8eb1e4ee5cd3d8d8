package io.tributary.sample.views;

import static io.tributary.sample.views.ViewKeys.driverTribes;
import static io.tributary.sample.views.ViewKeys.tribe;
import static io.tributary.sample.views.ViewKeys.tribeMembers;

import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.Increment;
import io.tributary.projection.sink.ViewUpdate.PutFields;
import io.tributary.projection.sink.ViewUpdate.RemoveFields;
import io.tributary.sample.tribe.v1.MemberJoined;
import io.tributary.sample.tribe.v1.MemberLeft;
import io.tributary.sample.tribe.v1.TribeCreated;
import io.tributary.sample.tribe.v1.TribeEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tribe pages in Redis: a hash per tribe (name, description, founder, member count), its members,
 * and per driver the tribes they belong to (which a driver's feed reads). Stateless.
 */
public final class TribePages {
  /** The projection's name. */
  public static final String NAME = "tribe-pages";

  /** Version 1, reading the {@code Tribe} aggregate's events. */
  public static final ProjectionDefinition<ViewUpdate> DEFINITION =
      ProjectionDefinition.of(NAME, TribePages::project, "Tribe");

  private TribePages() {}

  static List<ViewUpdate> project(EventEnvelope<? extends Message> envelope) {
    if (!(envelope.event() instanceof TribeEvent event)) {
      return List.of();
    }
    return switch (event.getKindCase()) {
      case CREATED -> created(event.getCreated());
      case MEMBER_JOINED -> joined(event.getMemberJoined());
      case MEMBER_LEFT -> left(event.getMemberLeft());
      case KIND_NOT_SET -> throw new IllegalArgumentException("Tribe event of " + envelope.aggregateId()
          + " (command " + envelope.commandId() + ") sets no kind; the Tribe aggregate never emits one, so the "
          + "events topic holds a record it did not write.");
    };
  }

  private static List<ViewUpdate> created(TribeCreated created) {
    String id = created.getTribeId();
    return List.of(
        new PutFields(tribe(id), Map.of(
            "tribe_id", id,
            "name", created.getName(),
            "description", created.getDescription(),
            "founder_id", created.getFounderId())),
        new Increment(tribe(id), "member_count", 1),
        new PutFields(tribeMembers(id), Map.of(created.getFounderId(), "1")),
        new PutFields(driverTribes(created.getFounderId()), Map.of(id, "1")));
  }

  private static List<ViewUpdate> joined(MemberJoined joined) {
    String id = joined.getTribeId();
    return List.of(
        new Increment(tribe(id), "member_count", 1),
        new PutFields(tribeMembers(id), Map.of(joined.getDriverId(), "1")),
        new PutFields(driverTribes(joined.getDriverId()), Map.of(id, "1")));
  }

  private static List<ViewUpdate> left(MemberLeft left) {
    String id = left.getTribeId();
    return List.of(
        new Increment(tribe(id), "member_count", -1),
        new RemoveFields(tribeMembers(id), Set.of(left.getDriverId())),
        new RemoveFields(driverTribes(left.getDriverId()), Set.of(id)));
  }
}
