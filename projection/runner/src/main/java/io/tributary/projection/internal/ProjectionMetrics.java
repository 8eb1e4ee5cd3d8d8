package io.tributary.projection.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner's meters, tagged with service and projection: {@code tributary.projection.events}
 * (events given to the sink, counting those it had already applied) and {@code
 * tributary.projection.lag} per partition (events after the consumer's position). Written by the
 * runner's thread, read by any; {@link #close()} removes the meters from the registry.
 */
public final class ProjectionMetrics implements AutoCloseable {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter events;
  private final Map<Integer, AtomicLong> lag = new ConcurrentHashMap<>();
  private final List<Meter> meters = new CopyOnWriteArrayList<>();

  public ProjectionMetrics(MeterRegistry registry, String service, String projection) {
    this.registry = registry;
    this.tags = Tags.of("service", service, "projection", projection);
    this.events = Counter.builder("tributary.projection.events").tags(tags)
        .description("Events given to the view sink, with their updates").register(registry);
    meters.add(events);
  }

  public void applied(int count) {
    events.increment(count);
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
