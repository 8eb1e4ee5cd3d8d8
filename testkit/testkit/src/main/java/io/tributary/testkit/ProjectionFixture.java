package io.tributary.testkit;

import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.KeyedState;
import io.tributary.core.annotation.Evolving;
import io.tributary.core.codec.Codec;
import io.tributary.core.definition.AggregateType;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Unit tests for a projection, with no broker and no sink: feed it events one at a time and look
 * at the updates it returns. Each event passes through its aggregate's codec bytes, and a stateful
 * projection's keyed state through its state codec's bytes, as in the runner:
 *
 * <pre>{@code
 * var fixture = ProjectionFixture.of(DriversService.definition(), PostPages.DEFINITION);
 * fixture.project("Post", "p1", published);
 * assertThat(fixture.project("Post", "p1", bumped)).contains(new ScoreIncrement("tribe:t1:top-posts", "p1", 1));
 * }</pre>
 *
 * <p>Envelopes get sequence numbers per aggregate (1, 2, ...), command ids {@code cmd-<n>}, and
 * timestamps from the fixture's clock. The keyed state is one map, like one partition's. Not
 * thread-safe; use one fixture per test.
 *
 * @param <U> the projection's update type
 */
@Evolving
public final class ProjectionFixture<U> {
  private final ServiceDefinition service;
  private final ProjectionDefinition<U> projection;
  private final Clock clock;
  private final Map<String, Long> sequences = new HashMap<>();
  private final Map<String, byte[]> state = new HashMap<>();
  private long commands;

  private ProjectionFixture(ServiceDefinition service, ProjectionDefinition<U> projection, Clock clock) {
    this.service = service;
    this.projection = projection;
    this.clock = clock;
  }

  /** @return a fixture whose events are stamped 2026-01-01T00:00:00Z */
  public static <U> ProjectionFixture<U> of(ServiceDefinition service, ProjectionDefinition<U> projection) {
    return of(service, projection, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
  }

  /** @return a fixture whose events are stamped by {@code clock} */
  public static <U> ProjectionFixture<U> of(ServiceDefinition service, ProjectionDefinition<U> projection,
      Clock clock) {
    return new ProjectionFixture<>(Objects.requireNonNull(service, "service"),
        Objects.requireNonNull(projection, "projection"), Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Projects one event of aggregate {@code aggregateId} of type {@code aggregateType}.
   *
   * @return the updates, in order; empty if the projection ignores the event or does not read the type
   * @throws IllegalArgumentException if the service does not declare {@code aggregateType}, or the
   *     event is not that aggregate's event message
   */
  public List<U> project(String aggregateType, String aggregateId, Message event) {
    AggregateType<?, ?, ?> type = service.findAggregate(aggregateType).orElseThrow(() ->
        new IllegalArgumentException("Service '" + service.name() + "' declares no aggregate '" + aggregateType
            + "'; known: " + service.aggregates().stream().map(AggregateType::name).toList()));
    long sequence = sequences.merge(aggregateType + "/" + aggregateId, 1L, Long::sum);
    String commandId = "cmd-" + (++commands);
    Message decoded = roundTrip(type.eventCodec(), event, aggregateType);
    var envelope = new EventEnvelope<>(aggregateType, aggregateId, sequence, commandId, commandId, commandId,
        clock.instant(), decoded);
    if (!projection.sources().contains(aggregateType)) {
      return List.of();
    }
    return projection.handler().project(envelope, projection.handler().stateful() ? new MapState() : null);
  }

  /** @return the stored bytes of the keyed state under {@code key}, decoded with {@code codec} */
  public <S> Optional<S> state(String key, Codec<S> codec) {
    return Optional.ofNullable(state.get(key)).map(codec::decode);
  }

  private static <E extends Message> Message roundTrip(Codec<E> codec, Message event, String aggregateType) {
    if (!codec.valueType().isInstance(event)) {
      throw new IllegalArgumentException("A " + event.getClass().getSimpleName() + " is not an event of '"
          + aggregateType + "', whose events are " + codec.valueType().getSimpleName());
    }
    return codec.decode(codec.encode(codec.valueType().cast(event)));
  }

  private final class MapState implements KeyedState<byte[]> {
    @Override
    public Optional<byte[]> get(String key) {
      return Optional.ofNullable(state.get(key)).map(byte[]::clone);
    }

    @Override
    public void put(String key, byte[] value) {
      state.put(key, value.clone());
    }

    @Override
    public void remove(String key) {
      state.remove(key);
    }
  }
}
