package io.tributary.sample.views;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import io.tributary.core.EventEnvelope;
import io.tributary.core.KeyedState;
import io.tributary.core.definition.ProjectionDefinition;
import io.tributary.projection.sink.ViewUpdate;
import io.tributary.projection.sink.ViewUpdate.DeleteDocument;
import io.tributary.projection.sink.ViewUpdate.PutDocument;
import io.tributary.sample.post.v1.PostEvent;
import io.tributary.sample.views.v1.PostSearchState;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Full-text search of live posts in Elasticsearch: one document per post in {@link
 * ViewKeys#POSTS_INDEX}. Stateful: an edit carries only the new title and body, so the projection
 * keeps what the whole document needs ({@link PostSearchState}). Archived posts leave the index.
 */
public final class PostSearch {
  /** The projection's name. */
  public static final String NAME = "post-search";

  /** Version 1, reading the {@code Post} aggregate's events. */
  public static final ProjectionDefinition<ViewUpdate> DEFINITION =
      ProjectionDefinition.stateful(NAME, PostSearchState.getDefaultInstance(), PostSearch::project, "Post");

  private static final ObjectMapper JSON = new ObjectMapper();

  private PostSearch() {}

  static List<ViewUpdate> project(EventEnvelope<? extends Message> envelope, KeyedState<PostSearchState> posts) {
    if (!(envelope.event() instanceof PostEvent event)) {
      return List.of();
    }
    String id = envelope.aggregateId();
    return switch (event.getKindCase()) {
      case PUBLISHED -> {
        var published = event.getPublished();
        yield put(id, posts, PostSearchState.newBuilder()
            .setTribeId(published.getTribeId())
            .setAuthorId(published.getAuthorId())
            .setTitle(published.getTitle())
            .setBody(published.getBody())
            .setPublishedAtMillis(envelope.timestamp().toEpochMilli())
            .build());
      }
      case EDITED -> {
        PostSearchState known = posts.get(id).orElseThrow(() -> new IllegalStateException("Post " + id
            + " was edited (command " + envelope.commandId() + ") but its publication was not projected; the "
            + "projection's state is missing. Rebuild it (raise its version)."));
        yield put(id, posts, known.toBuilder()
            .setTitle(event.getEdited().getTitle())
            .setBody(event.getEdited().getBody())
            .build());
      }
      case ARCHIVED -> {
        posts.remove(id);
        yield List.of(new DeleteDocument(ViewKeys.POSTS_INDEX, id));
      }
      case COMMENT_ADDED, BUMPED -> List.of();
      case KIND_NOT_SET -> throw new IllegalArgumentException("Post event of " + id + " (command "
          + envelope.commandId() + ") sets no kind; the Post aggregate never emits one.");
    };
  }

  private static List<ViewUpdate> put(String id, KeyedState<PostSearchState> posts, PostSearchState post) {
    posts.put(id, post);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("post_id", id);
    document.put("tribe_id", post.getTribeId());
    document.put("author_id", post.getAuthorId());
    document.put("title", post.getTitle());
    document.put("body", post.getBody());
    document.put("published_at", post.getPublishedAtMillis());
    try {
      return List.of(new PutDocument(ViewKeys.POSTS_INDEX, id, JSON.writeValueAsString(document)));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("Cannot write the search document of post " + id, e);
    }
  }
}
