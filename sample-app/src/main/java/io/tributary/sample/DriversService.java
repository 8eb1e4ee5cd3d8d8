package io.tributary.sample;

import io.tributary.core.definition.ServiceDefinition;
import io.tributary.sample.post.Post;
import io.tributary.sample.tribe.Tribe;
import io.tributary.sample.views.DriversQueries;
import io.tributary.sample.views.PostPages;
import io.tributary.sample.views.PostSearch;
import io.tributary.sample.views.TribePages;

/** The {@code drivers} service: tribes of drivers and the posts they write in them. */
public final class DriversService {
  /** The service name; it prefixes the service's topics, e.g. {@code drivers.commands}. */
  public static final String NAME = "drivers";

  private DriversService() {}

  /**
   * @return the checked definition of the service, with the {@code Post} and {@code Tribe} aggregates
   *     and the read side's projections
   * @throws io.tributary.core.error.DefinitionException if a declaration is invalid; a bug in this
   *     class, so fix the declaration it names
   */
  public static ServiceDefinition definition() {
    return ServiceDefinition.builder(NAME)
        .aggregate(Tribe.DEFINITION)
        .aggregate(Post.DEFINITION)
        .projection(TribePages.DEFINITION)
        .projection(PostPages.DEFINITION)
        .projection(PostSearch.DEFINITION)
        .query(DriversQueries.GET_TRIBE)
        .query(DriversQueries.GET_POST)
        .query(DriversQueries.TOP_POSTS)
        .query(DriversQueries.FEED)
        .query(DriversQueries.SEARCH_POSTS)
        .build();
  }
}
