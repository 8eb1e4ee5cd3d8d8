package io.tributary.projection.elasticsearch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawBulkTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<RawBulk.Outcome> decode(String json, int expected) throws IOException {
    return RawBulk.decode(new ByteArrayInputStream(utf8(json)), expected);
  }

  @Test
  void encodesOneActionLineAndOneSourceLinePerWrite() {
    byte[] body = RawBulk.encode(List.of(
        new RawBulk.Item("posts", "p-1", 7, utf8("{\"title\":\"Ride\"}")),
        new RawBulk.Item("posts", "p-2", 9, null)));

    assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("""
        {"index":{"_index":"posts","_id":"p-1","version":7,"version_type":"external"}}
        {"title":"Ride"}
        {"delete":{"_index":"posts","_id":"p-2","version":9,"version_type":"external"}}
        """);
  }

  @Test
  void escapesIdsAndFlattensLineBreaksOfSources() {
    byte[] body = RawBulk.encode(List.of(
        new RawBulk.Item("posts", "a\"b\\c\u0001é", 1, utf8("{\n  \"title\": \"Ride\"\r\n}"))));

    assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("""
        {"index":{"_index":"posts","_id":"a\\"b\\\\c\\u0001é","version":1,"version_type":"external"}}
        {   "title": "Ride"  }
        """);
  }

  @Test
  void answersNothingWhenNoItemFailed() throws IOException {
    assertThat(decode("{\"errors\":false,\"items\":[{\"index\":{\"status\":201}},{\"delete\":{\"status\":404}}]}", 2))
        .isEmpty();
  }

  @Test
  void answersEveryItemInOrderWhenOneFailed() throws IOException {
    List<RawBulk.Outcome> outcomes = decode("""
        {"errors":true,"items":[
          {"index":{"status":200}},
          {"index":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"current version [9]"}}},
          {"index":{"status":400,"error":{"type":"document_parsing_exception","reason":"bad field",
            "caused_by":{"type":"illegal_argument_exception","reason":"not a long"}}}}]}""", 3);

    assertThat(outcomes).containsExactly(
        new RawBulk.Outcome(200, null, ""),
        new RawBulk.Outcome(409, "version_conflict_engine_exception",
            "version_conflict_engine_exception: current version [9]"),
        new RawBulk.Outcome(400, "document_parsing_exception",
            "document_parsing_exception: bad field (caused by illegal_argument_exception: not a long)"));
  }

  @Test
  void refusesAnAnswerThatCannotBeMatchedToTheWrites() {
    assertThatThrownBy(() -> decode("{\"errors\":true,\"items\":[{\"index\":{\"status\":429,"
        + "\"error\":{\"type\":\"es_rejected_execution_exception\",\"reason\":\"queue full\"}}}]}", 2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("lists 1 items for 2 writes");
  }
}
