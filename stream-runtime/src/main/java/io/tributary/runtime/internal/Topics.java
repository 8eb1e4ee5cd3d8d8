package io.tributary.runtime.internal;

import io.tributary.core.error.PermanentException;
import io.tributary.core.error.TransientException;
import io.tributary.runtime.RuntimeSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The names of a service's topics, and their creation and checking at start-up. */
public record Topics(String commands, String events, String outcomes) {
  private static final Duration METADATA_WAIT = Duration.ofSeconds(30);

  public static Topics of(String service) {
    return new Topics(service + ".commands", service + ".events", service + ".outcomes");
  }

  /**
   * Creates the topics that are absent (events retained forever, commands and outcomes for the
   * configured retention) and checks that every topic has the configured partition count.
   *
   * @throws PermanentException naming the topic and both counts, if a topic has another count
   * @throws TransientException if the brokers cannot be reached
   */
  public void ensure(Admin admin, RuntimeSettings settings) {
    String retention = String.valueOf(settings.commandRetention().toMillis());
    Map<String, Map<String, String>> configs = Map.of(
        events, Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1"),
        commands, Map.of(TopicConfig.RETENTION_MS_CONFIG, retention),
        outcomes, Map.of(TopicConfig.RETENTION_MS_CONFIG, retention));
    try {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      configs.forEach((name, config) -> {
        if (!existing.contains(name)) {
          missing.add(new NewTopic(name, settings.partitions(), settings.replicationFactor()).configs(config));
        }
      });
      createAll(admin, missing);
      Map<String, TopicDescription> described = describe(admin, configs.keySet());
      for (TopicDescription topic : described.values()) {
        if (topic.partitions().size() != settings.partitions()) {
          throw new PermanentException("Topic " + topic.name() + " has " + topic.partitions().size()
              + " partitions, but this service is configured with " + settings.partitions()
              + ". The partition count is fixed when a service is created: configure "
              + topic.partitions().size() + " partitions, or migrate the service offline to the new count.");
        }
      }
    } catch (ExecutionException e) {
      throw new TransientException("Cannot create or describe the topics " + configs.keySet() + ": "
          + e.getCause().getMessage() + ". Check that the brokers are reachable.", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while creating topics", e);
    }
  }

  /**
   * Describes the topics, waiting (bounded) for new ones to reach the broker's metadata and for
   * every partition to have a leader: a producer that writes to a partition while its first leader
   * is being elected gets NOT_LEADER_OR_FOLLOWER, and its idempotent retries can then be refused as
   * out of sequence.
   */
  private static Map<String, TopicDescription> describe(Admin admin, Set<String> names)
      throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
    while (true) {
      try {
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
        boolean led = descriptions.values().stream().flatMap(topic -> topic.partitions().stream())
            .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
        if (led || System.nanoTime() > deadline) {
          return descriptions;
        }
        Thread.sleep(50);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        // created a moment ago: its metadata is not everywhere yet
        Thread.sleep(50);
      }
    }
  }

  private static void createAll(Admin admin, List<NewTopic> missing) throws InterruptedException, ExecutionException {
    if (missing.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(missing).all().get();
    } catch (ExecutionException e) {
      // another instance created them first; the describe below checks what it created
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }
}
