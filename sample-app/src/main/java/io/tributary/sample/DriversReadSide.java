package io.tributary.sample;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.grpc.BindableService;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.core.definition.ServiceDefinition;
import io.tributary.projection.ProjectionDeployment;
import io.tributary.projection.ProjectionSettings;
import io.tributary.projection.elasticsearch.ElasticsearchViewReader;
import io.tributary.projection.elasticsearch.ElasticsearchViewSink;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings;
import io.tributary.projection.elasticsearch.ElasticsearchViewSinkSettings.RefreshPolicy;
import io.tributary.projection.elasticsearch.ElasticsearchViewVersions;
import io.tributary.projection.rebuild.DeploymentSettings;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.projection.redis.RedisViewSink;
import io.tributary.projection.redis.RedisViewSinkSettings;
import io.tributary.projection.redis.RedisViewVersions;
import io.tributary.projection.sink.ViewSink;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.query.QueryEngine;
import io.tributary.query.grpc.GrpcQueryService;
import io.tributary.sample.api.DriversQueriesService;
import io.tributary.sample.views.DriversQueries;
import io.tributary.sample.views.PostPages;
import io.tributary.sample.views.PostSearch;
import io.tributary.sample.views.TribePages;
import io.tributary.sample.views.ViewKeys;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The drivers service's read side: the three projections, each run by a {@link
 * ProjectionDeployment} (so raising a projection's version rebuilds it beside the live one and then
 * flips), their sinks in Redis and Elasticsearch, and the query engine with the typed {@code
 * DriversQueries} and the generic {@code QueryService} for the gRPC server.
 *
 * <p>Search documents are written with {@link RefreshPolicy#WAIT_FOR}, so that once the search
 * projection's position covers a command's token, a search finds the document.
 */
public final class DriversReadSide implements AutoCloseable {
  /** How long a query waits for a token when the call does not say, and the longest it may ask for. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);

  public static final Duration MAX_WAIT = Duration.ofSeconds(10);

  /**
   * Where the read side runs.
   *
   * @param bootstrapServers the Kafka brokers the projections consume from
   * @param redis the Redis server of the pages, counters, top posts and feeds
   * @param elasticsearch the Elasticsearch node of the search index
   * @param stateDir the projections' keyed state and snapshots
   * @param keyPrefix put before every Redis key of the service, e.g. {@code drivers:}
   */
  public record Settings(String bootstrapServers, URI redis, URI elasticsearch, Path stateDir, String keyPrefix) {
    public Settings {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      Objects.requireNonNull(redis, "redis");
      Objects.requireNonNull(elasticsearch, "elasticsearch");
      Objects.requireNonNull(stateDir, "stateDir");
      Objects.requireNonNull(keyPrefix, "keyPrefix");
    }
  }

  private final RedisClient redis;
  private final StatefulRedisConnection<String, String> redisConnection;
  private final ElasticsearchViewReader search;
  private final List<ProjectionDeployment> deployments;
  private final GrpcQueryService queries;

  private DriversReadSide(RedisClient redis, StatefulRedisConnection<String, String> redisConnection,
      ElasticsearchViewReader search, List<ProjectionDeployment> deployments, GrpcQueryService queries) {
    this.redis = redis;
    this.redisConnection = redisConnection;
    this.search = search;
    this.deployments = deployments;
    this.queries = queries;
  }

  /**
   * Connects to Redis and Elasticsearch, starts the projections and builds the query engine.
   *
   * @throws io.tributary.core.error.TransientException if Redis or Elasticsearch cannot be reached
   */
  public static DriversReadSide start(ServiceDefinition service, Settings settings, MeterRegistry meters) {
    RedisClient redis = RedisClient.create(RedisURI.create(settings.redis()));
    StatefulRedisConnection<String, String> connection = null;
    ElasticsearchViewReader search = null;
    List<ProjectionDeployment> deployments = new ArrayList<>();
    try {
      connection = redis.connect();
      ElasticsearchViewSinkSettings searchSettings = ElasticsearchViewSinkSettings.defaults()
          .withRefresh(RefreshPolicy.WAIT_FOR);
      search = ElasticsearchViewReader.connect(settings.elasticsearch(), searchSettings);
      RedisViewVersions redisVersions = RedisViewVersions.over(connection, settings.keyPrefix());
      ElasticsearchViewVersions searchVersions = new ElasticsearchViewVersions(search.client(),
          Map.of(PostSearch.NAME, Set.of(ViewKeys.POSTS_INDEX)));
      ProjectionSettings projectionSettings = ProjectionSettings.defaults(settings.bootstrapServers())
          .withStateDir(settings.stateDir());
      DeploymentSettings deploymentSettings = DeploymentSettings.defaults();

      for (ProjectionDefinition<ViewUpdate> pages : List.of(TribePages.DEFINITION, PostPages.DEFINITION)) {
        Function<Integer, ViewSink> sinkForVersion = version -> RedisViewSink.connect(
            RedisURI.create(settings.redis()), RedisViewSinkSettings.forVersion(settings.keyPrefix(), pages.name(), version));
        deployments.add(ProjectionDeployment.start(service, pages, sinkForVersion, redisVersions, projectionSettings,
            deploymentSettings, meters));
      }
      Function<Integer, ViewSink> searchSinkForVersion = version -> {
        ElasticsearchViewSink sink = ElasticsearchViewSink.connect(settings.elasticsearch(),
            searchSettings.withIndexVersion(version));
        sink.createIndex(ViewKeys.POSTS_INDEX, ViewKeys.POSTS_MAPPING);
        return sink;
      };
      deployments.add(ProjectionDeployment.start(service, PostSearch.DEFINITION, searchSinkForVersion, searchVersions,
          projectionSettings, deploymentSettings, meters));

      QueryEngine.Builder engine = QueryEngine.builder(service)
          .redis(redisVersions, RedisViewReader.over(connection, settings.keyPrefix()), TribePages.NAME, PostPages.NAME)
          .elasticsearch(searchVersions, search, PostSearch.NAME);
      DriversQueries.all().forEach(engine::query);
      GrpcQueryService queries = new GrpcQueryService(engine.build(), DEFAULT_WAIT, MAX_WAIT);
      return new DriversReadSide(redis, connection, search, List.copyOf(deployments), queries);
    } catch (RuntimeException e) {
      deployments.forEach(deployment -> closeQuietly(deployment, e));
      if (search != null) {
        closeQuietly(search, e);
      }
      if (connection != null) {
        closeQuietly(connection, e);
      }
      redis.shutdown();
      throw e;
    }
  }

  /** @return the gRPC services of the read side: the generic {@code QueryService} and the typed {@code DriversQueries} */
  public List<BindableService> grpcServices() {
    return List.of(queries, new DriversQueriesService(queries));
  }

  /** @return the running deployments, one per projection, e.g. for their status and rebuild progress */
  public List<ProjectionDeployment> deployments() {
    return deployments;
  }

  /** @return the first failure of a projection deployment, or null while all run */
  public @Nullable Throwable failure() {
    for (ProjectionDeployment deployment : deployments) {
      if (deployment.failure() != null) {
        return deployment.failure();
      }
    }
    return null;
  }

  /** Stops the projections, then closes every connection even if one fails; keeps the first failure. */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (ProjectionDeployment deployment : deployments) {
      try {
        deployment.close();
      } catch (RuntimeException e) {
        failure = keepFirst(failure, e);
      }
    }
    for (Runnable close : List.<Runnable>of(search::close, redisConnection::close, redis::shutdown)) {
      try {
        close.run();
      } catch (RuntimeException e) {
        failure = keepFirst(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static void closeQuietly(AutoCloseable closeable, RuntimeException failure) {
    try {
      closeable.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  private static RuntimeException keepFirst(@Nullable RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }
}
