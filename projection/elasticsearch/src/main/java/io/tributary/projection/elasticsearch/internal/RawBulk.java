package io.tributary.projection.elasticsearch.internal;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.ElasticsearchTransport;
import co.elastic.clients.transport.TransportOptions;
import co.elastic.clients.transport.endpoints.BinaryEndpoint;
import co.elastic.clients.transport.endpoints.BinaryResponse;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * A bulk request of externally versioned document writes, sent as one NDJSON body of raw bytes
 * (no object mapping of the operations) through any {@link ElasticsearchTransport}, with a {@code
 * filter_path} that trims the response to the errors flag and each item's status and error. A
 * node spends less time writing the response and the client less time reading it: a successful
 * item answers {@code {"index":{"status":201}}} instead of its full result.
 */
public final class RawBulk {
  /** One write: a document's JSON source, or a delete when {@code source} is null. */
  public record Item(String index, String id, long version, byte @Nullable [] source) {}

  /** How Elasticsearch answered one item; {@code errorType} is null when it succeeded. */
  public record Outcome(int status, @Nullable String errorType, String error) {}

  private static final String FILTER_PATH = "errors,items.*.status,items.*.error.type,items.*.error.reason,"
      + "items.*.error.caused_by.type,items.*.error.caused_by.reason";
  private static final JsonFactory JSON = new JsonFactory();
  private static final Outcome SUCCEEDED = new Outcome(200, null, "");
  private static final byte[] VERSION = ",\"version\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] EXTERNAL = ",\"version_type\":\"external\"}}\n".getBytes(StandardCharsets.UTF_8);

  private RawBulk() {}

  /**
   * Sends {@code items} as bulk requests of at most {@code maxDocuments} items each, keeping up to
   * {@code maxInFlight} of them on their way at once, so that a node can index several on its write
   * threads while this client encodes the next. The items must name distinct documents (a batch
   * after collapsing), since the requests may be applied in any order. Returns once no request is
   * on its way any more, also when one failed: then no further request is sent.
   *
   * @param refresh the {@code refresh} parameter: {@code false}, {@code wait_for} or {@code true}
   * @return the outcome of every item in order if any failed, or an empty list if none did
   * @throws IOException if the node cannot be reached or its answer cannot be read
   * @throws ElasticsearchException if a whole request is refused
   */
  public static List<Outcome> send(ElasticsearchTransport transport, @Nullable TransportOptions options,
      List<Item> items, String refresh, int maxDocuments, int maxInFlight) throws IOException {
    if (items.isEmpty()) {
      return List.of();
    }
    int requests = (items.size() + maxDocuments - 1) / maxDocuments;
    // equal shares, so that the last request is not a small remainder
    int perRequest = (items.size() + requests - 1) / requests;
    BinaryEndpoint<BinaryData> endpoint = endpoint(refresh);
    Deque<CompletableFuture<List<Outcome>>> inFlight = new ArrayDeque<>();
    List<CompletableFuture<List<Outcome>>> all = new ArrayList<>(requests);
    Throwable failure = null;
    for (int from = 0; from < items.size() && failure == null; from += perRequest) {
      List<Item> part = items.subList(from, Math.min(items.size(), from + perRequest));
      if (inFlight.size() >= maxInFlight) {
        failure = await(inFlight.removeFirst());
        if (failure != null) {
          break;
        }
      }
      // as JSON, which the bulk API reads line by line: the transport then sends the content type with
      // the client's compatible-with version, which the node requires on both Content-Type and Accept
      BinaryData body = BinaryData.of(encode(part), ContentType.APPLICATION_JSON);
      CompletableFuture<List<Outcome>> request = transport.performRequestAsync(body, endpoint, options)
          .thenApply(response -> read(response, part.size()));
      inFlight.addLast(request);
      all.add(request);
    }
    while (!inFlight.isEmpty()) {
      Throwable next = await(inFlight.removeFirst());
      if (failure == null) {
        failure = next;
      } else if (next != null && next != failure) {
        failure.addSuppressed(next);
      }
    }
    if (failure != null) {
      throw rethrow(failure);
    }
    boolean failed = all.stream().anyMatch(request -> !request.join().isEmpty());
    return failed ? aligned(all, items.size(), perRequest) : List.of();
  }

  /** @return every item's outcome in order; a request without failures answered none, so its items succeeded */
  private static List<Outcome> aligned(List<CompletableFuture<List<Outcome>>> requests, int items, int perRequest) {
    List<Outcome> aligned = new ArrayList<>(items);
    for (CompletableFuture<List<Outcome>> request : requests) {
      List<Outcome> part = request.join();
      int size = Math.min(perRequest, items - aligned.size());
      for (int i = 0; i < size; i++) {
        aligned.add(part.isEmpty() ? SUCCEEDED : part.get(i));
      }
    }
    return aligned;
  }

  private static BinaryEndpoint<BinaryData> endpoint(String refresh) {
    return new BinaryEndpoint<>("tributary.bulk",
        request -> "POST",
        request -> "/_bulk",
        request -> Map.of(),
        request -> Map.of("filter_path", FILTER_PATH, "refresh", refresh),
        request -> Map.of(),
        request -> request,
        null);
  }

  private static List<Outcome> read(BinaryResponse response, int expected) {
    try (response; InputStream content = response.content()) {
      return decode(content, expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return null when the request succeeded, else why it failed */
  private static @Nullable Throwable await(CompletableFuture<List<Outcome>> request) {
    try {
      request.join();
      return null;
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause instanceof UncheckedIOException unchecked ? unchecked.getCause() : cause;
    }
  }

  private static IOException rethrow(Throwable failure) throws IOException {
    if (failure instanceof IOException io) {
      throw io;
    }
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    throw new IOException("A bulk request failed: " + failure, failure);
  }

  /** @return the NDJSON body: per item an action line and, for a document, its source on one line */
  static byte[] encode(List<Item> items) {
    int estimate = 0;
    for (Item item : items) {
      estimate += 96 + item.index().length() + item.id().length() + (item.source() == null ? 0 : item.source().length);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimate);
    for (Item item : items) {
      out.writeBytes(("{\"" + (item.source() == null ? "delete" : "index") + "\":{\"_index\":" + JsonText.quote(item.index())
          + ",\"_id\":" + JsonText.quote(item.id())).getBytes(StandardCharsets.UTF_8));
      out.writeBytes(VERSION);
      out.writeBytes(Long.toString(item.version()).getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(EXTERNAL);
      byte[] source = item.source();
      if (source != null) {
        out.writeBytes(containsLineBreak(source) ? flattened(source) : source);
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  /** @return {@code source} with spaces for its line breaks, which valid JSON has only as whitespace */
  private static byte[] flattened(byte[] source) {
    byte[] flat = source.clone();
    for (int i = 0; i < flat.length; i++) {
      if (flat[i] == '\n' || flat[i] == '\r') {
        flat[i] = ' ';
      }
    }
    return flat;
  }

  private static boolean containsLineBreak(byte[] source) {
    for (byte b : source) {
      if (b == '\n' || b == '\r') {
        return true;
      }
    }
    return false;
  }

  /** Reads {@code {"errors":..,"items":[{"<op>":{"status":..,"error":{..}}},..]}}. */
  static List<Outcome> decode(InputStream content, int expected) throws IOException {
    try (JsonParser parser = JSON.createParser(content)) {
      expect(parser.nextToken(), JsonToken.START_OBJECT, "the bulk response");
      boolean errors = false;
      List<Outcome> outcomes = new ArrayList<>(expected);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("errors")) {
          errors = value == JsonToken.VALUE_TRUE;
        } else if (field.equals("items") && value == JsonToken.START_ARRAY) {
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            expect(parser.nextToken(), JsonToken.FIELD_NAME, "a bulk item");
            expect(parser.nextToken(), JsonToken.START_OBJECT, "a bulk item");
            outcomes.add(item(parser));
            expect(parser.nextToken(), JsonToken.END_OBJECT, "a bulk item");
          }
        } else {
          parser.skipChildren();
        }
      }
      if (!errors) {
        return List.of();
      }
      if (outcomes.size() != expected) {
        throw new IOException("The bulk response reports errors but lists " + outcomes.size() + " items for "
            + expected + " writes; it cannot be matched to the writes.");
      }
      return outcomes;
    }
  }

  private static Outcome item(JsonParser parser) throws IOException {
    int status = 0;
    String type = null;
    String error = "";
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      if (field.equals("status")) {
        status = parser.getIntValue();
      } else if (field.equals("error") && parser.currentToken() == JsonToken.START_OBJECT) {
        String[] cause = cause(parser);
        type = cause[0];
        error = cause[0] + ": " + cause[1] + cause[2];
      } else {
        parser.skipChildren();
      }
    }
    return new Outcome(status, type, error);
  }

  /** @return type, reason and " (caused by type: reason)" or "" of the error object the parser is at */
  private static String[] cause(JsonParser parser) throws IOException {
    String[] cause = {"unknown", "no reason given", ""};
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      switch (field) {
        case "type" -> cause[0] = parser.getText();
        case "reason" -> cause[1] = parser.getText();
        case "caused_by" -> {
          if (parser.currentToken() == JsonToken.START_OBJECT) {
            String[] nested = cause(parser);
            cause[2] = " (caused by " + nested[0] + ": " + nested[1] + ")";
          }
        }
        default -> parser.skipChildren();
      }
    }
    return cause;
  }

  private static void expect(@Nullable JsonToken actual, JsonToken wanted, String what) throws IOException {
    if (actual != wanted) {
      throw new IOException("Unexpected " + actual + " in " + what + ", wanted " + wanted
          + "; the node's bulk answer does not have the documented shape.");
    }
  }
}
