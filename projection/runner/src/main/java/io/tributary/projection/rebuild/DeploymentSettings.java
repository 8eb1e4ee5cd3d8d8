package io.tributary.projection.rebuild;

import io.tributary.core.annotation.Experimental;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewUpdate;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a {@link io.tributary.projection.ProjectionDeployment}. Immutable; change one with a
 * {@code withX} copy.
 *
 * @param checkInterval how often the new version's progress is sampled (and the drop delay checked)
 * @param dropDelay how long the old version is kept after the new one was published, so a rollback
 *     is possible; then its runner is closed and its views dropped
 * @param probeWait how long one sample may read the events topic to decide whether a partition still
 *     holds events (see {@link RebuildProgress}); bounds one check
 * @param liveDefinition the definition of the live (older) version, to run its runner in this
 *     process until the drop, so its views stay current while the new version catches up; null to
 *     leave that to the processes already running it
 * @param clock the time the drop delay and the rate are measured with
 */
@Experimental
public record DeploymentSettings(Duration checkInterval, Duration dropDelay, Duration probeWait,
    @Nullable ProjectionDefinition<ViewUpdate> liveDefinition, Clock clock) {

  /** @throws IllegalArgumentException if a duration is negative, or the intervals are zero */
  public DeploymentSettings {
    Objects.requireNonNull(clock, "clock");
    positive("checkInterval", checkInterval);
    positive("probeWait", probeWait);
    if (dropDelay.isNegative()) {
      throw new IllegalArgumentException("dropDelay must not be negative, was " + dropDelay);
    }
  }

  /** @return checks every second, drop 10 minutes after publishing, probes up to 2 s, the live version's runner not started here */
  public static DeploymentSettings defaults() {
    return new DeploymentSettings(Duration.ofSeconds(1), Duration.ofMinutes(10), Duration.ofSeconds(2), null,
        Clock.systemUTC());
  }

  /** @return a copy with {@code checkInterval} */
  public DeploymentSettings withCheckInterval(Duration checkInterval) {
    return new DeploymentSettings(checkInterval, dropDelay, probeWait, liveDefinition, clock);
  }

  /** @return a copy with {@code dropDelay} */
  public DeploymentSettings withDropDelay(Duration dropDelay) {
    return new DeploymentSettings(checkInterval, dropDelay, probeWait, liveDefinition, clock);
  }

  /** @return a copy with {@code probeWait} */
  public DeploymentSettings withProbeWait(Duration probeWait) {
    return new DeploymentSettings(checkInterval, dropDelay, probeWait, liveDefinition, clock);
  }

  /**
   * @return a copy that runs {@code liveDefinition} (the live version, with its own handler) in this
   *     process while the new version catches up, until the old version is dropped
   */
  public DeploymentSettings withLiveDefinition(ProjectionDefinition<ViewUpdate> liveDefinition) {
    return new DeploymentSettings(checkInterval, dropDelay, probeWait, Objects.requireNonNull(liveDefinition), clock);
  }

  /** @return a copy with {@code clock} */
  public DeploymentSettings withClock(Clock clock) {
    return new DeploymentSettings(checkInterval, dropDelay, probeWait, liveDefinition, clock);
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
