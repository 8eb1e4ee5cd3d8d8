package io.tributary.projection.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner's meters, tagged with {@code service}, {@code projection} and {@code version}:
 *
 * <ul>
 *   <li>{@code tributary.projection.events} (counter): events given to the sink, counting those it
 *       had already applied; events per second derive from it.
 *   <li>{@code tributary.projection.lag} (gauge, tag {@code partition}): events in the partition
 *       after the consumer's position.
 *   <li>{@code tributary.projection.sink.latency} (timer): each call of the sink's {@code apply},
 *       a retried call once per attempt.
 *   <li>{@code tributary.projection.parked} (counter, tag {@code partition}): events written to the
 *       parked topic.
 * </ul>
 *
 * Written by the runner's thread, read by any; {@link #close()} removes the meters from the registry.
 */
public final class ProjectionMetrics implements AutoCloseable {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter events;
  private final Timer sinkLatency;
  private final Map<Integer, AtomicLong> lag = new ConcurrentHashMap<>();
  private final Map<Integer, Counter> parked = new ConcurrentHashMap<>();
  private final List<Meter> meters = new CopyOnWriteArrayList<>();

  public ProjectionMetrics(MeterRegistry registry, String service, String projection, int version) {
    this.registry = registry;
    this.tags = Tags.of("service", service, "projection", projection, "version", String.valueOf(version));
    this.events = Counter.builder("tributary.projection.events").tags(tags)
        .description("Events given to the view sink, with their updates").register(registry);
    this.sinkLatency = Timer.builder("tributary.projection.sink.latency").tags(tags)
        .description("Time of one sink apply call").register(registry);
    meters.add(events);
    meters.add(sinkLatency);
  }

  public void applied(int count) {
    events.increment(count);
  }

  public void sinkCall(long nanos) {
    sinkLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void parked(int partition) {
    parked.computeIfAbsent(partition, p -> {
      Counter counter = Counter.builder("tributary.projection.parked").tags(tags).tag("partition", String.valueOf(p))
          .description("Events of the partition written to the parked topic").register(registry);
      meters.add(counter);
      return counter;
    }).increment();
  }

  public void lag(int partition, long value) {
    lag.computeIfAbsent(partition, p -> {
      AtomicLong holder = new AtomicLong();
      meters.add(Gauge.builder("tributary.projection.lag", holder, AtomicLong::get).tags(tags)
          .tag("partition", String.valueOf(p)).description("Events in the partition after the consumer's position")
          .register(registry));
      return holder;
    }).set(value);
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
