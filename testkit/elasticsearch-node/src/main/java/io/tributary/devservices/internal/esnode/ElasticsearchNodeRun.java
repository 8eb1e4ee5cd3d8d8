package io.tributary.devservices.internal.esnode;

import com.carrotsearch.randomizedtesting.RandomizedRunner;
import com.carrotsearch.randomizedtesting.annotations.ThreadLeakScope;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.action.admin.cluster.health.ClusterHealthResponse;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.node.NodeValidationException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.junit.Test;
import org.junit.runner.RunWith;

/**
 * Starts one node with the settings given as system properties, reports readiness on stdout,
 * waits for stdin to reach end of file, then closes the node. Run only by {@link
 * ElasticsearchNodeMain}; JUnit requires the class and its method to be public.
 */
@RunWith(RandomizedRunner.class)
// the node's thread pools outlive the test method by design of this class: the JVM exits after it
@ThreadLeakScope(ThreadLeakScope.Scope.NONE)
public class ElasticsearchNodeRun {
  static final String SETTING_PREFIX = "tributary.es.setting.";
  private static final TimeValue HEALTH_TIMEOUT = TimeValue.timeValueSeconds(60);
  // below the parent's 30 s wait before it kills this JVM, so that a slow close is reported
  private static final long CLOSE_TIMEOUT_SECONDS = 20;

  /** Runs the node from start to close; any exception means the node did not start or close. */
  @Test
  public void runNode() throws IOException, InterruptedException, NodeValidationException {
    Settings settings = settingsFromSystemProperties();
    disableNettyLeakDetection();
    Node node = new MockNode(settings, List.of(Netty4Plugin.class), true, () -> {});
    try {
      node.start();
      awaitHealthy(node);
      int port = node.injector().getInstance(HttpServerTransport.class)
          .boundAddress().publishAddress().getPort();
      ElasticsearchNodeMain.report(ElasticsearchNodeMain.READY + " http=" + port);
      drain(System.in);
    } catch (Exception | Error e) {
      try {
        close(node);
      } catch (Exception closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    close(node);
  }

  private static void close(Node node) throws IOException, InterruptedException {
    node.close();
    if (!node.awaitClose(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "the node did not close within " + CLOSE_TIMEOUT_SECONDS + " s");
    }
  }

  private static Settings settingsFromSystemProperties() {
    Settings.Builder settings = Settings.builder();
    for (Map.Entry<Object, Object> property : System.getProperties().entrySet()) {
      String key = property.getKey().toString();
      if (key.startsWith(SETTING_PREFIX)) {
        settings.put(key.substring(SETTING_PREFIX.length()), property.getValue().toString());
      }
    }
    return settings.build();
  }

  /**
   * The test framework turns on Netty's paranoid leak detection when {@link ESTestCase} is
   * initialised, which records a stack trace for every buffer: a cost a dev server does not want.
   * Initialise it first, then turn detection off before Netty reads the property.
   */
  private static void disableNettyLeakDetection() {
    ESTestCase.getPortRange();
    System.setProperty("io.netty.leakDetection.level", "disabled");
  }

  private static void awaitHealthy(Node node) {
    ClusterHealthResponse health = node.client().admin().cluster()
        .prepareHealth(HEALTH_TIMEOUT)
        .setWaitForYellowStatus()
        .setTimeout(HEALTH_TIMEOUT)
        .get(HEALTH_TIMEOUT);
    if (health.isTimedOut()) {
      throw new IllegalStateException(
          "cluster health is " + health.getStatus() + " after " + HEALTH_TIMEOUT + ", wanted yellow");
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) >= 0) {
      // the parent never writes; only end of file matters
    }
  }
}
