package io.tributary.projection.rebuild;

import static io.tributary.projection.rebuild.DeploymentState.CATCHING_UP;
import static io.tributary.projection.rebuild.DeploymentState.CLOSED;
import static io.tributary.projection.rebuild.DeploymentState.FAILED;
import static io.tributary.projection.rebuild.DeploymentState.PUBLISHED;
import static io.tributary.projection.rebuild.DeploymentState.ROLLED_BACK;
import static io.tributary.projection.rebuild.DeploymentState.SERVING;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeploymentStateTest {

  /** The transition table of DeploymentState's javadoc. */
  private static final Map<DeploymentState, Set<DeploymentState>> ALLOWED = Map.of(
      CATCHING_UP, EnumSet.of(PUBLISHED, FAILED, CLOSED),
      PUBLISHED, EnumSet.of(SERVING, ROLLED_BACK, FAILED, CLOSED),
      SERVING, EnumSet.of(CLOSED),
      ROLLED_BACK, EnumSet.of(CLOSED),
      FAILED, EnumSet.of(CLOSED),
      CLOSED, EnumSet.noneOf(DeploymentState.class));

  @Test
  void onlyTheDocumentedTransitionsAreAllowed() {
    for (DeploymentState from : DeploymentState.values()) {
      for (DeploymentState to : DeploymentState.values()) {
        assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(ALLOWED.get(from).contains(to));
      }
    }
  }
}
