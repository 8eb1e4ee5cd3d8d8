package io.tributary.benchmarks;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * The error answers the broker gave, by request and error, read from its request metrics (JMX,
 * {@code kafka.network:type=RequestMetrics,name=ErrorsPerSec}, see {@link BenchBroker#metrics}). The latency phase prints the
 * ones its run added: a {@code CONCURRENT_TRANSACTIONS} answer is a retry, and a retry is latency.
 */
final class BrokerErrors {
  private BrokerErrors() {}

  /** @return the count of every non-NONE error answer so far, keyed {@code request/error} */
  static Map<String, Long> counts(MBeanServerConnection server) {
    Map<String, Long> counts = new TreeMap<>();
    try {
      for (ObjectName name : server.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=ErrorsPerSec,*"), null)) {
        String error = name.getKeyProperty("error");
        if (error == null || error.equals("NONE")) {
          continue;
        }
        Object count = server.getAttribute(name, "Count");
        counts.put(name.getKeyProperty("request") + "/" + error, ((Number) count).longValue());
      }
    } catch (javax.management.JMException | IOException e) {
      throw new IllegalStateException("Cannot read the broker's request metrics: " + e, e);
    }
    return counts;
  }

  /** @return the answers counted in {@code after} and not in {@code before}, as {@code request/error=n} */
  static String added(Map<String, Long> before, Map<String, Long> after) {
    StringBuilder text = new StringBuilder();
    after.forEach((key, count) -> {
      long added = count - before.getOrDefault(key, 0L);
      if (added > 0) {
        text.append(text.isEmpty() ? "" : ", ").append(key).append('=').append(added);
      }
    });
    return text.isEmpty() ? "none" : text.toString();
  }
}
