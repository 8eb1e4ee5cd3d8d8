package io.tributary.query.grpc;

import io.tributary.projection.elasticsearch.ElasticsearchViewReader.SearchHit;
import io.tributary.projection.redis.RedisViewReader;
import io.tributary.query.ReadModels;
import io.tributary.query.grpc.v1.ReadReply;
import io.tributary.query.grpc.v1.ReadRequest;
import java.util.Optional;
import java.util.function.Function;

/** Turns a generic {@code Read} request into a read of the views, and its result into the reply. */
final class ReadCalls {
  static final int DEFAULT_SEARCH_SIZE = 10;

  private ReadCalls() {}

  /**
   * @return the read the request asks for, building the reply's data
   * @throws IllegalArgumentException naming the field, if the request has no projection or no read,
   *     or a key, index or id is empty
   */
  static Function<ReadModels, ReadReply.Builder> read(ReadRequest request) {
    String projection = request.getProjection();
    if (projection.isBlank()) {
      throw new IllegalArgumentException("ReadRequest.projection is missing: set it to the projection to read,"
          + " e.g. \"post-pages\".");
    }
    return switch (request.getReadCase()) {
      case REDIS_VALUE -> {
        String key = required("redis_value.key", request.getRedisValue().getKey());
        yield views -> found(views.redis(projection).value(key), ReadReply.Builder::setValue);
      }
      case REDIS_HASH -> {
        ReadRequest.RedisHash hash = request.getRedisHash();
        String key = required("redis_hash.key", hash.getKey());
        if (hash.hasField()) {
          yield views -> found(views.redis(projection).field(key, hash.getField()), ReadReply.Builder::setValue);
        }
        yield views -> {
          var fields = views.redis(projection).fields(key);
          return ReadReply.newBuilder().setFound(!fields.isEmpty())
              .setFields(ReadReply.Fields.newBuilder().putAllFields(fields));
        };
      }
      case REDIS_RANGE -> {
        ReadRequest.RedisRange range = request.getRedisRange();
        String key = required("redis_range.key", range.getKey());
        yield views -> {
          ReadReply.Members.Builder members = ReadReply.Members.newBuilder();
          for (RedisViewReader.ScoredMember member :
              views.redis(projection).range(key, range.getStart(), range.getStop(), range.getDescending())) {
            members.addMembers(ReadReply.Member.newBuilder().setMember(member.member()).setScore(member.score()));
          }
          return ReadReply.newBuilder().setFound(members.getMembersCount() > 0).setMembers(members);
        };
      }
      case DOCUMENT -> {
        String index = required("document.index", request.getDocument().getIndex());
        String id = required("document.id", request.getDocument().getId());
        yield views -> found(views.search(projection).document(index, id), ReadReply.Builder::setDocumentJson);
      }
      case SEARCH -> {
        ReadRequest.Search search = request.getSearch();
        String index = required("search.index", search.getIndex());
        if (search.getFrom() < 0 || search.getSize() < 0) {
          throw new IllegalArgumentException("ReadRequest.search.from and .size must not be negative, were "
              + search.getFrom() + " and " + search.getSize() + ".");
        }
        int size = search.getSize() == 0 ? DEFAULT_SEARCH_SIZE : search.getSize();
        yield views -> {
          ReadReply.Hits.Builder hits = ReadReply.Hits.newBuilder();
          for (SearchHit hit : views.search(projection)
              .search(index, search.getText(), search.getFieldsList(), search.getFrom(), size)) {
            hits.addHits(ReadReply.Hit.newBuilder().setId(hit.id()).setScore(hit.score()).setJson(hit.json()));
          }
          return ReadReply.newBuilder().setFound(hits.getHitsCount() > 0).setHits(hits);
        };
      }
      case READ_NOT_SET -> throw new IllegalArgumentException("ReadRequest has no read: set one of redis_value,"
          + " redis_hash, redis_range, document or search.");
    };
  }

  private interface Setter {
    ReadReply.Builder set(ReadReply.Builder reply, String value);
  }

  private static ReadReply.Builder found(Optional<String> value, Setter setter) {
    ReadReply.Builder reply = ReadReply.newBuilder().setFound(value.isPresent());
    value.ifPresent(text -> setter.set(reply, text));
    return reply;
  }

  private static String required(String field, String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("ReadRequest." + field + " is missing: set it.");
    }
    return value;
  }
}
