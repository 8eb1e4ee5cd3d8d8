package io.tributary.projection;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tributary.core.annotation.Experimental;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.core.error.TransientException;
import io.tributary.projection.rebuild.DeploymentSettings;
import io.tributary.projection.rebuild.DeploymentState;
import io.tributary.projection.rebuild.RebuildProgress;
import io.tributary.projection.rebuild.internal.Backlog;
import io.tributary.projection.rebuild.internal.ProgressMeter;
import io.tributary.projection.sink.ViewNames;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewVersions;
import io.tributary.runtime.internal.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one projection of a service and switches readers from its live version to a new one without
 * downtime (ADR 0007, "Rebuilds"). The lifecycle is {@link DeploymentState}.
 *
 * <ul>
 *   <li>Nothing live: the definition's version runs and is published at once, so a new service
 *       serves while its views fill.
 *   <li>The definition's version is live: it runs; nothing else happens.
 *   <li>An older version is live: the new version's runner fills its own namespace beside it while
 *       readers keep the old views (and, with {@link DeploymentSettings#withLiveDefinition}, the old
 *       version's runner runs here too, keeping them current). Every {@link
 *       DeploymentSettings#checkInterval()} the new version's sink positions are compared with the
 *       events topic's {@code read_committed} end; once no committed event is left on any partition
 *       the new version is published in one atomic step. After {@link DeploymentSettings#dropDelay()}
 *       the old runner is closed and the old version dropped. Until then {@link #rollback()}
 *       publishes the old version again.
 *   <li>A newer version is live: {@link #start} refuses.
 * </ul>
 *
 * <p><b>Rollback</b> closes the new version's runner and keeps its views (a rollback says the new
 * version is wrong: running it on would only spend resources on views nobody reads); drop them with
 * {@link ViewVersions#drop} once done with them. The old version's runner, if it runs here, goes on.
 *
 * <p><b>Sinks.</b> {@code sinkForVersion} is called once per version run here; the deployment owns
 * the sinks it returns and closes them with the runner. The sink must write into the version's
 * namespace ({@code RedisViewSinkSettings.forVersion}, {@code
 * ElasticsearchViewSinkSettings.withIndexVersion}) and, for Elasticsearch, have created the
 * version's indices before it is returned, since a version is published as soon as it is caught up
 * (at once, when nothing is live).
 *
 * <p><b>Several instances</b> of a service may each run a deployment of the same projection: the
 * runners share their consumer groups, each instance checks every partition (positions live in the
 * shared store), and publish and drop are idempotent. A restart between publish and drop leaves the
 * old version in place; drop it with {@link ViewVersions#drop}.
 *
 * <p><b>Meters</b>, tagged {@code service}, {@code projection} and {@code version} (the deployment's):
 * {@code tributary.projection.rebuild.remaining} (offsets left, gauge) and {@code
 * tributary.projection.rebuild.rate} (offsets per second, gauge), as of the last sample: every check
 * while the new version catches up, and every {@link #progress()} call. Plus the runners' own.
 *
 * <p><b>Threading.</b> Checks run on a thread of the deployment. All methods may be called from any
 * thread.
 */
@Experimental
public final class ProjectionDeployment implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProjectionDeployment.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private final ServiceDefinition service;
  private final ProjectionDefinition<ViewUpdate> definition;
  private final ViewVersions versions;
  private final DeploymentSettings deploymentSettings;
  private final MeterRegistry meters;
  private final Object lock = new Object();
  private final ProgressMeter progressMeter;
  private final AtomicLong remaining = new AtomicLong(-1);
  private final AtomicReference<Double> rate = new AtomicReference<>(0.0);
  private final List<Gauge> gauges = new ArrayList<>();
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final @Nullable Integer previousVersion;
  private final ViewSink sink;
  private final ProjectionRunner runner;
  private @Nullable ProjectionRunner previousRunner;
  private @Nullable ViewSink previousSink;
  private final Backlog backlog;
  private final ScheduledExecutorService checks;
  private @Nullable List<Integer> partitions;
  private DeploymentState state;
  private @Nullable Instant publishedAt;
  private volatile @Nullable Throwable failure;

  private ProjectionDeployment(ServiceDefinition service, ProjectionDefinition<ViewUpdate> definition,
      Function<Integer, ViewSink> sinkForVersion, ViewVersions versions, ProjectionSettings settings,
      DeploymentSettings deploymentSettings, MeterRegistry meters, OptionalInt live) {
    this.service = service;
    this.definition = definition;
    this.versions = versions;
    this.deploymentSettings = deploymentSettings;
    this.meters = meters;
    this.progressMeter = new ProgressMeter(definition.version(), deploymentSettings.clock());
    boolean rebuild = live.isPresent() && live.getAsInt() < definition.version();
    this.previousVersion = rebuild ? live.getAsInt() : null;
    try {
      ProjectionDefinition<ViewUpdate> liveDefinition = deploymentSettings.liveDefinition();
      if (rebuild && liveDefinition != null) {
        previousSink = own(sinkFor(sinkForVersion, live.getAsInt()));
        previousRunner = own(ProjectionRunner.start(service, liveDefinition, previousSink, settings, meters));
      }
      sink = own(sinkFor(sinkForVersion, definition.version()));
      runner = own(ProjectionRunner.start(service, definition, sink, settings, meters));
      if (live.isEmpty()) {
        versions.publish(definition.name(), definition.version());
        log.info("{}.{}: nothing was live; published version {} at once", service.name(), definition.name(),
            definition.version());
      }
      state = rebuild ? DeploymentState.CATCHING_UP : DeploymentState.SERVING;
      backlog = own(Backlog.open(settings.bootstrapServers(), settings.kafkaProperties(),
          Topics.of(service.name()).events()));
      registerGauges();
      checks = Executors.newSingleThreadScheduledExecutor(
          task -> Thread.ofPlatform().name("tributary-deployment-" + service.name() + "." + definition.versionedName())
              .daemon(true).unstarted(task));
    } catch (RuntimeException e) {
      closeOwned(e);
      throw e;
    }
    long interval = deploymentSettings.checkInterval().toMillis();
    checks.scheduleWithFixedDelay(this::check, interval, interval, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts running {@code definition} and, if an older version is live, the switch to it.
   *
   * @param sinkForVersion a new sink writing the namespace of the given version; owned by the deployment
   * @param meters receives the rebuild gauges and the runners' meters
   * @throws IllegalStateException if a newer version than {@code definition}'s is live
   * @throws IllegalArgumentException if {@link DeploymentSettings#liveDefinition()} is not the live
   *     version of the same projection, or a source of the projection is unknown to {@code service}
   * @throws io.tributary.core.error.TransientException if the view store cannot be reached
   */
  public static ProjectionDeployment start(ServiceDefinition service, ProjectionDefinition<ViewUpdate> definition,
      Function<Integer, ViewSink> sinkForVersion, ViewVersions versions, ProjectionSettings settings,
      DeploymentSettings deploymentSettings, MeterRegistry meters) {
    OptionalInt live = versions.live(definition.name());
    int version = definition.version();
    if (live.isPresent() && live.getAsInt() > version) {
      throw new IllegalStateException(("Version %d of projection '%s' is live, which is newer than this definition's"
          + " version %d. Deploy a definition of version %d or later; to go back to version %d, publish it with"
          + " ViewVersions.publish(\"%s\", %d) if its views were not dropped, or give it a new version number.")
          .formatted(live.getAsInt(), definition.name(), version, live.getAsInt(), version, definition.name(), version));
    }
    ProjectionDefinition<ViewUpdate> liveDefinition = deploymentSettings.liveDefinition();
    if (liveDefinition != null && live.isPresent() && live.getAsInt() < version
        && (!liveDefinition.name().equals(definition.name()) || liveDefinition.version() != live.getAsInt())) {
      throw new IllegalArgumentException(("The live definition is '%s' version %d, but version %d of '%s' is live."
          + " Give DeploymentSettings.withLiveDefinition the definition of the live version.")
          .formatted(liveDefinition.name(), liveDefinition.version(), live.getAsInt(), definition.name()));
    }
    return new ProjectionDeployment(service, definition, sinkForVersion, versions, settings, deploymentSettings,
        meters, live);
  }

  /** @return where the deployment is; see {@link DeploymentState} for the transitions */
  public DeploymentState state() {
    synchronized (lock) {
      return state;
    }
  }

  /** @return the version this deployment runs: its definition's */
  public int version() {
    return definition.version();
  }

  /** @return the version that was live when a rebuild started; empty when there was no rebuild */
  public OptionalInt previousVersion() {
    return previousVersion == null ? OptionalInt.empty() : OptionalInt.of(previousVersion);
  }

  /** @return the runner of this deployment's version */
  public ProjectionRunner runner() {
    return runner;
  }

  /** @return why the deployment went {@link DeploymentState#FAILED}, or null */
  public @Nullable Throwable failure() {
    return failure;
  }

  /**
   * Samples the progress of this deployment's version now: its sink's positions against the events
   * topic's end. Takes up to {@link DeploymentSettings#probeWait()} plus a store read per partition.
   *
   * @throws io.tributary.core.error.TransientException if Kafka or the store cannot be reached
   */
  public RebuildProgress progress() {
    synchronized (lock) {
      return sample();
    }
  }

  /**
   * Publishes the previous version again and closes the new version's runner (its views are kept).
   *
   * @throws IllegalStateException unless the deployment is {@link DeploymentState#PUBLISHED}: before
   *     that there is nothing to roll back, after the drop the previous version is gone
   */
  public void rollback() {
    synchronized (lock) {
      if (state != DeploymentState.PUBLISHED || previousVersion == null) {
        throw new IllegalStateException(switch (state) {
          case CATCHING_UP -> "Version %d of projection '%s' is not published yet, so readers still see version %d; close the deployment to abandon the rebuild."
              .formatted(definition.version(), definition.name(), previousVersion);
          case SERVING -> "Projection '%s' has no previous version to roll back to: it was dropped or there was none. Deploy an older definition under a new version number."
              .formatted(definition.name());
          default -> "Projection '%s' cannot roll back while the deployment is %s.".formatted(definition.name(), state);
        });
      }
      versions.publish(definition.name(), previousVersion);
      move(DeploymentState.ROLLED_BACK);
      log.warn("{}.{}: rolled back to version {}; version {} keeps its views, its runner is closed", service.name(),
          definition.name(), previousVersion, definition.version());
      closeEarly(runner);
    }
  }

  /** Closes the runners, sinks and Kafka clients this deployment started. Views are kept. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (state == DeploymentState.CLOSED) {
        return;
      }
      move(DeploymentState.CLOSED);
    }
    checks.shutdownNow();
    try {
      if (!checks.awaitTermination(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("{}.{}: the check thread did not end within {}", service.name(), definition.name(), CLOSE_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    gauges.forEach(meters::remove);
    closeOwned(null);
  }

  private void check() {
    synchronized (lock) {
      // only a switch in progress needs watching; progress() samples on demand in any state
      if (state != DeploymentState.CATCHING_UP && state != DeploymentState.PUBLISHED) {
        return;
      }
      try {
        if (state == DeploymentState.CATCHING_UP) {
          RebuildProgress progress = sample();
          if (progress.caughtUp()) {
            versions.publish(definition.name(), definition.version());
            publishedAt = deploymentSettings.clock().instant();
            move(DeploymentState.PUBLISHED);
            log.info("{}.{}: version {} caught up at {} offsets and is published; version {} is dropped after {}",
                service.name(), definition.name(), definition.version(), progress.eventsDone(), previousVersion,
                deploymentSettings.dropDelay());
          }
        } else if (previousVersion != null && publishedAt != null
            && !deploymentSettings.clock().instant().isBefore(publishedAt.plus(deploymentSettings.dropDelay()))) {
          dropPrevious();
        }
      } catch (TransientException e) {
        log.warn("{}.{}: checking version {} failed, retried in {}: {}", service.name(), definition.name(),
            definition.version(), deploymentSettings.checkInterval(), e.getMessage());
      } catch (RuntimeException e) {
        failure = e;
        move(DeploymentState.FAILED);
        log.error("{}.{}: the switch from version {} to {} failed; nothing more is published or dropped. Fix the cause,"
            + " then restart the deployment (or drop the old version with ViewVersions.drop once the new one is live).",
            service.name(), definition.name(), previousVersion, definition.version(), e);
      }
    }
  }

  private void dropPrevious() {
    closeEarly(previousRunner);
    closeEarly(previousSink);
    Objects.requireNonNull(previousVersion);
    versions.drop(definition.name(), previousVersion);
    move(DeploymentState.SERVING);
    log.info("{}.{}: version {} dropped; version {} serves", service.name(), definition.name(), previousVersion,
        definition.version());
  }

  private RebuildProgress sample() {
    if (partitions == null) {
      partitions = backlog.partitions();
    }
    String positionsId = ViewNames.positionsId(definition.name(), definition.version());
    Map<Integer, Long> next = new HashMap<>();
    for (int partition : partitions) {
      OptionalLong position = sink.position(positionsId, partition);
      next.put(partition, position.isPresent() ? position.getAsLong() + 1 : 0);
    }
    boolean published = state == DeploymentState.SERVING || state == DeploymentState.PUBLISHED;
    RebuildProgress progress = progressMeter.record(backlog.sample(partitions, next, deploymentSettings.probeWait()),
        published);
    remaining.set(progress.eventsLeft());
    rate.set(progress.ratePerSecond());
    return progress;
  }

  private void move(DeploymentState next) {
    if (!state.canMoveTo(next)) {
      throw new IllegalStateException("Deployment of " + definition.versionedName() + " cannot go from " + state
          + " to " + next);
    }
    state = next;
  }

  private void registerGauges() {
    Tags tags = Tags.of("service", service.name(), "projection", definition.name(),
        "version", Integer.toString(definition.version()));
    gauges.add(Gauge.builder("tributary.projection.rebuild.remaining", remaining, AtomicLong::get).tags(tags)
        .description("offsets of the events topic the version has not applied yet, as of the last sample; -1 before it")
        .register(meters));
    gauges.add(Gauge.builder("tributary.projection.rebuild.rate", rate, AtomicReference::get).tags(tags)
        .description("offsets the version applies per second, smoothed").baseUnit("offsets/s").register(meters));
  }

  private static ViewSink sinkFor(Function<Integer, ViewSink> sinkForVersion, int version) {
    return Objects.requireNonNull(sinkForVersion.apply(version), "sinkForVersion returned null for version " + version);
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  /** Closes {@code resource} now instead of in {@link #close()}. */
  private void closeEarly(@Nullable AutoCloseable resource) {
    if (resource == null || !owned.remove(resource)) {
      return;
    }
    try {
      resource.close();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Closing " + resource + " failed", e);
    }
  }

  /** Closes in reverse order of opening (runners before their sinks); keeps the first failure. */
  private void closeOwned(@Nullable RuntimeException cause) {
    RuntimeException first = cause;
    for (AutoCloseable resource : owned.reversed()) {
      try {
        resource.close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    owned.clear();
    if (cause == null && first != null) {
      throw first;
    }
  }
}
