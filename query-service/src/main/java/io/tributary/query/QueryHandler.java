package io.tributary.query;

import com.google.protobuf.Message;
import io.tributary.core.annotation.Experimental;

/**
 * Answers one typed query from a service's read models. A handler only reads: it gets the views of
 * the live version of each projection its query declared, after the engine waited for the caller's
 * position token, and returns the response.
 *
 * <pre>{@code
 * QueryHandler<GetPost, Post> postById = (request, views) -> {
 *   Map<String, String> fields = views.redis("post-pages").fields("post:" + request.getPostId());
 *   return Post.newBuilder().setTitle(fields.getOrDefault("title", "")).build();
 * };
 * }</pre>
 *
 * <p><b>Errors.</b> A {@link io.tributary.core.error.TransientException} (a store that cannot be
 * reached) reaches the caller as retryable; an {@link InvalidQueryException} (a bad request) as
 * INVALID_ARGUMENT; any other exception is a failure of the query, reported
 * with the query's name. Return "not found" as a value of the response, not as an exception.
 *
 * <p><b>Threading.</b> Called concurrently from many threads; keep no mutable state.
 *
 * @param <Q> the request message
 * @param <R> the response message
 */
@Experimental
@FunctionalInterface
public interface QueryHandler<Q extends Message, R extends Message> {

  /**
   * @param request the decoded request
   * @param views the views of the projections the query declared, at their live versions
   * @return the response; never null
   */
  R handle(Q request, ReadModels views);
}
