package io.tributary.devservices;

import java.net.URI;

/**
 * Where an Elasticsearch node serves HTTP.
 *
 * @param host the address, {@code 127.0.0.1} for dev services
 * @param port the HTTP port
 */
public record ElasticsearchEndpoint(String host, int port) {
  /** @return {@code http://host:port} */
  public URI httpUri() {
    return URI.create("http://" + host + ":" + port);
  }
}
