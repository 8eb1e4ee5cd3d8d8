package io.tributary.projection.elasticsearch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ErrorResponse;
import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class FailuresTest {

  private static ElasticsearchException failure(int status, String type) {
    return new ElasticsearchException("bulk", ErrorResponse.of(r -> r.status(status)
        .error(e -> e.type(type).reason("reason of " + type))));
  }

  @Test
  void overloadAndUnavailableAreTransient() {
    assertThat(Failures.map("the bulk", failure(429, "es_rejected_execution_exception")))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("HTTP 429")
        .hasMessageContaining("es_rejected_execution_exception");
    assertThat(Failures.map("the bulk", failure(503, "unavailable_shards_exception"))).isInstanceOf(TransientException.class);
    assertThat(Failures.map("the bulk", new ConnectException("Connection refused"))).isInstanceOf(TransientException.class);
  }

  @Test
  void mappingAndParsingErrorsArePermanent() {
    assertThat(Failures.map("creating index 'posts'", failure(400, "illegal_argument_exception")))
        .isInstanceOf(PermanentException.class)
        .hasMessageContaining("creating index 'posts'")
        .hasMessageContaining("illegal_argument_exception");
  }
}
