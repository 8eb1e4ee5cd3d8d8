package io.tributary.query;

import io.tributary.core.annotation.Experimental;
import io.tributary.projection.elasticsearch.ElasticsearchViewReader;
import io.tributary.projection.elasticsearch.ElasticsearchViewReader.SearchHit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Elasticsearch views of one projection version: documents and full-text searches through the
 * logical index names (aliases of the live version's indices). Errors as {@link
 * ElasticsearchViewReader} documents them. Thread-safe.
 *
 * @param projection the projection read
 * @param version its live version when the query began
 * @param reader the reader underneath
 */
@Experimental
public record SearchView(String projection, int version, ElasticsearchViewReader reader) {
  public SearchView {
    Objects.requireNonNull(projection, "projection");
    Objects.requireNonNull(reader, "reader");
  }

  /** @return the document's JSON object, as the projection wrote it; empty if there is none */
  public Optional<String> document(String logicalIndex, String id) {
    return reader.document(logicalIndex, id);
  }

  /** @return a {@code multi_match} search of {@code text} over {@code fields}; see {@link ElasticsearchViewReader#search} */
  public List<SearchHit> search(String logicalIndex, String text, List<String> fields, int from, int size) {
    return reader.search(logicalIndex, text, fields, from, size);
  }
}
