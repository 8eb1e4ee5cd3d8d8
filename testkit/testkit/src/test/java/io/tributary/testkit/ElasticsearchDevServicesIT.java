package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import io.tributary.devservices.ElasticsearchEndpoint;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;

@WithDevServices
class ElasticsearchDevServicesIT {

  /** A searchable post. */
  public record PostDoc(String title, String body) {}

  @Test
  void indexesRefreshesAndSearchesThroughTheJavaClient(ElasticsearchEndpoint elasticsearch) throws Exception {
    try (Rest5ClientTransport transport = new Rest5ClientTransport(
        Rest5Client.builder(new HttpHost("http", elasticsearch.host(), elasticsearch.port())).build(),
        new JacksonJsonpMapper())) {
      ElasticsearchClient client = new ElasticsearchClient(transport);
      String index = "posts-it";
      client.indices().create(create -> create.index(index).mappings(mappings -> mappings
          .properties("title", property -> property.text(text -> text))
          .properties("body", property -> property.text(text -> text))));

      client.index(request -> request.index(index).id("p1").document(new PostDoc("Alpine passes", "Stelvio at dawn")));
      client.index(request -> request.index(index).id("p2").document(new PostDoc("Track day", "Spa in the rain")));
      client.index(request -> request.index(index).id("p3").document(new PostDoc("Rain tyres", "what to fit in the rain")));
      client.indices().refresh(refresh -> refresh.index(index));

      SearchResponse<PostDoc> rain = client.search(search -> search.index(index)
          .query(query -> query.match(match -> match.field("body").query("rain"))), PostDoc.class);
      assertThat(rain.hits().hits()).extracting(Hit::id).containsExactlyInAnyOrder("p2", "p3");

      SearchResponse<PostDoc> alpine = client.search(search -> search.index(index)
          .query(query -> query.match(match -> match.field("title").query("alpine"))), PostDoc.class);
      assertThat(alpine.hits().hits()).singleElement().satisfies(hit -> {
        assertThat(hit.id()).isEqualTo("p1");
        assertThat(hit.source()).isEqualTo(new PostDoc("Alpine passes", "Stelvio at dawn"));
      });
    }
  }
}
