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
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The names of a service's topics, and their creation and checking at start-up. */
public record Topics(String commands, String events, String outcomes) {
  private static final Duration METADATA_WAIT = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(Topics.class);

  public static Topics of(String service) {
    return new Topics(service + ".commands", service + ".events", service + ".outcomes");
  }

  /**
   * Creates the topics that are absent (events retained forever, commands and outcomes for the
   * configured retention) and checks that every topic has the configured partition count.
   *
   * @return the smallest {@code max.message.bytes} of the events and outcomes topics, which the
   *     task loops append to; {@link Integer#MAX_VALUE} if the service may not read topic configs
   * @throws PermanentException naming the topic and both counts, if a topic has another count; or
   *     naming the topic, if its {@code max.message.bytes} leaves no room for a record
   * @throws TransientException if the brokers cannot be reached
   */
  public int ensure(Admin admin, RuntimeSettings settings) {
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
      return maxMessageBytes(admin, List.of(events, outcomes));
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

  private static int maxMessageBytes(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
    List<ConfigResource> resources = names.stream().map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
        .toList();
    long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
    Map<ConfigResource, Config> configs;
    while (true) {
      try {
        configs = admin.describeConfigs(resources).all().get();
        break;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AuthorizationException) {
          log.warn("This service may not read the configs of {} ({}), so their max.message.bytes is not checked: an"
              + " event under max.request.size but over a topic's max.message.bytes aborts its batch each time it is"
              + " decided. Grant DESCRIBE_CONFIGS on the topics to check it.", names, e.getCause().getMessage());
          return Integer.MAX_VALUE;
        }
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        // created a moment ago: a broker whose metadata is behind does not know them yet
        Thread.sleep(50);
      }
    }
    int smallest = Integer.MAX_VALUE;
    for (Map.Entry<ConfigResource, Config> topic : configs.entrySet()) {
      ConfigEntry entry = topic.getValue().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (entry == null || entry.value() == null) {
        continue;
      }
      int bytes = Integer.parseInt(entry.value());
      if (bytes <= RecordSizeLimit.RECORD_HEADROOM_BYTES) {
        throw new PermanentException("Topic " + topic.getKey().name() + " has max.message.bytes " + bytes + "; it"
            + " must be more than " + RecordSizeLimit.RECORD_HEADROOM_BYTES + " bytes, which Tributary keeps for"
            + " record batch framing. Raise it on the topic (max.message.bytes=1048588 is Kafka's default), then"
            + " restart.");
      }
      smallest = Math.min(smallest, bytes);
    }
    return smallest;
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
