package io.tributary.query.internal;

import io.tributary.projection.redis.RedisViewReader;
import io.tributary.query.ReadModels;
import io.tributary.query.SearchView;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** The views one query may read, at the versions resolved when it began. */
public final class LiveReadModels implements ReadModels {
  private final String reader;
  private final Map<String, LiveView> views;

  /**
   * @param reader names the reader in messages, e.g. {@code query 'post-by-id'}
   * @param views the views it may read, by projection
   */
  public LiveReadModels(String reader, Map<String, LiveView> views) {
    this.reader = reader;
    this.views = Map.copyOf(views);
  }

  @Override
  public RedisViewReader.View redis(String projection) {
    LiveView view = view(projection);
    if (!(view.store() instanceof ViewStore.Redis redis)) {
      throw new IllegalArgumentException(reader + " reads projection '" + projection + "' as Redis views, but it is"
          + " kept in " + view.store().kind() + "; use views.search(\"" + projection + "\").");
    }
    return redis.reader().at(view.projection(), view.version());
  }

  @Override
  public SearchView search(String projection) {
    LiveView view = view(projection);
    if (!(view.store() instanceof ViewStore.Elasticsearch elasticsearch)) {
      throw new IllegalArgumentException(reader + " reads projection '" + projection + "' as Elasticsearch views,"
          + " but it is kept in " + view.store().kind() + "; use views.redis(\"" + projection + "\").");
    }
    return new SearchView(view.projection(), view.version(), elasticsearch.reader());
  }

  private LiveView view(String projection) {
    Objects.requireNonNull(projection, "projection");
    LiveView view = views.get(projection);
    if (view == null) {
      throw new IllegalArgumentException(reader + " reads projection '" + projection + "', which it did not declare;"
          + " it may read " + new TreeSet<>(views.keySet())
          + ". Name every projection a handler reads in RegisteredQuery.of(definition, handler, projections...).");
    }
    return view;
  }
}
