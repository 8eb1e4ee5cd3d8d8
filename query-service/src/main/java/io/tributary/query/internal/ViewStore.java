package io.tributary.query.internal;

import io.tributary.projection.elasticsearch.ElasticsearchViewReader;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.sink.ViewVersions;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.SortedMap;

/** A store holding some projections' views: how to find their live version and read their positions. */
public sealed interface ViewStore {

  /** @return the store's name for messages */
  String kind();

  /** @return the live-version pointers of the store's projections */
  ViewVersions versions();

  /** @return the position of ({@code projection} v{@code version}, {@code partition}), read in real time */
  OptionalLong position(String projection, int version, int partition);

  /** @return every position of {@code projection} v{@code version}; may lag {@link #position} slightly */
  SortedMap<Integer, Long> positions(String projection, int version);

  /** Projections kept in Redis. */
  record Redis(ViewVersions versions, RedisViewReader reader) implements ViewStore {
    public Redis {
      Objects.requireNonNull(versions, "versions");
      Objects.requireNonNull(reader, "reader");
    }

    @Override
    public String kind() {
      return "Redis";
    }

    @Override
    public OptionalLong position(String projection, int version, int partition) {
      return reader.at(projection, version).position(partition);
    }

    @Override
    public SortedMap<Integer, Long> positions(String projection, int version) {
      return reader.at(projection, version).positions();
    }
  }

  /** Projections kept in Elasticsearch. */
  record Elasticsearch(ViewVersions versions, ElasticsearchViewReader reader) implements ViewStore {
    public Elasticsearch {
      Objects.requireNonNull(versions, "versions");
      Objects.requireNonNull(reader, "reader");
    }

    @Override
    public String kind() {
      return "Elasticsearch";
    }

    @Override
    public OptionalLong position(String projection, int version, int partition) {
      return reader.position(projection, version, partition);
    }

    @Override
    public SortedMap<Integer, Long> positions(String projection, int version) {
      return reader.positions(projection, version);
    }
  }
}
