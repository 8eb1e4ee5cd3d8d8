package io.tributary.runtime.internal;

import io.tributary.core.error.TransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, before a newly assigned partition is replayed, until its last stable offset covers every
 * transaction that committed on it (ADR 0003, "Recovery", step 3). The previous owner's consumed
 * offsets being committed (step 1) does not mean that the markers in {@code events[p]} and {@code
 * outcomes[p]} are: the transaction coordinator writes each partition's markers to its leader
 * separately, and the last stable offset passes a marker only once it is replicated. A replay to a
 * last stable offset read before that would leave the committed batch out.
 *
 * <p>The high watermark is read first. Every record of a transaction that committed before the
 * check began lies below it (its sends were acknowledged before its commit), so a last stable
 * offset read afterwards that reaches it covers them all. One that stops short is held by an open
 * transaction, and the check asks the partition's leader which ({@code describeProducers}) and the
 * transaction coordinators in what state ({@code listTransactions}). It waits while that transaction
 * has committed, may have (not listed), or is not among the open ones (its marker is written but not
 * yet replicated). It does not wait for an ongoing or aborting transaction: that is an owner that lost
 * the partition, which cannot commit any more (its offsets are refused for its old generation, and
 * {@code position} in step 1 waited for any it had sent before), and waiting would hold the move
 * until its transaction timeout (a frozen owner). Records another owner committed behind such a
 * transaction (the partition moved twice within that timeout) stay out of reach of {@code
 * read_committed} until it is aborted; the check cannot tell them from other owners' commit markers
 * and does not wait for them (ADR 0003).
 *
 * <p>Used by the task loop's thread only.
 */
final class CommittingTransactions {
  /** The coordinator's default {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}. */
  private static final Duration ABORT_CHECK_INTERVAL = Duration.ofSeconds(10);
  private static final Duration MARGIN = Duration.ofSeconds(30);
  private static final long RECHECK_MILLIS = 20;
  private static final Logger log = LoggerFactory.getLogger(CommittingTransactions.class);

  /**
   * A transaction open on a partition, as its leader and its coordinator describe it.
   *
   * @param state its coordinator's state, or null if no coordinator lists it
   */
  record OpenTransaction(long producerId, long firstOffset, @Nullable TransactionState state) {}

  private final Admin admin;
  private final Duration maxWait;
  private final BooleanSupplier stopping;
  private boolean unsupported;

  /**
   * @param admin used for the checks; owned by the caller
   * @param maxWait how long a partition waits before the task loop gives up; see {@link #maxWait}
   * @param stopping true once the task loop is told to stop: a wait ends then
   */
  CommittingTransactions(Admin admin, Duration maxWait, BooleanSupplier stopping) {
    this.admin = admin;
    this.maxWait = maxWait;
    this.stopping = stopping;
  }

  /**
   * @return how long to wait at most: long enough for the coordinator of a transaction of this
   *     service's producers to end it, committed markers written or timed out and aborted: their
   *     {@code transaction.timeout.ms} (the instances of a service share theirs) plus the
   *     coordinator's check interval, and a margin
   */
  static Duration maxWait(Map<String, String> kafkaProperties) {
    String configured = kafkaProperties.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    Duration timeout = Duration.ofMillis(configured == null ? KafkaClients.TRANSACTION_TIMEOUT_MS
        : Long.parseLong(configured.trim()));
    return timeout.plus(ABORT_CHECK_INTERVAL).plus(MARGIN);
  }

  /**
   * What a check found: the last stable offsets to replay to, and whether it had to wait for them.
   *
   * @param lastStable per partition, a last stable offset that covers every transaction that
   *     committed on it before the check
   */
  record Covered(Map<TopicPartition, Long> lastStable, boolean waited) {}

  /**
   * Returns once the last stable offsets of {@code partitions} cover every transaction that committed
   * on them before the call.
   *
   * @return those offsets, the ends of the replay
   * @throws TransientException if they do not within the maximum wait, or the cluster could not be
   *     asked: the partitions must not be replayed yet
   * @throws WakeupException if the task loop was told to stop meanwhile
   */
  Covered awaitCommitted(Collection<TopicPartition> partitions) {
    long started = System.nanoTime();
    long deadline = started + maxWait.toNanos();
    if (unsupported) {
      return new Covered(ends(partitions, IsolationLevel.READ_COMMITTED, deadline), false);
    }
    boolean waited = false;
    try {
      while (true) {
        Check check = check(partitions, deadline);
        if (check.pending().isEmpty()) {
          if (waited) {
            log.info("Waited {} ms for the last stable offsets of {} to cover their committed transactions",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), partitions);
          }
          return new Covered(check.lastStable(), waited);
        }
        waited = true;
        if (System.nanoTime() - deadline > 0) {
          throw new TransientException(String.join("; ", check.pending().values()) + ", after "
              + maxWait.toSeconds() + " s: replaying " + check.pending().keySet() + " now would leave a committed"
              + " batch out of the state, so the task loop stops before deciding anything for them. Check the"
              + " partitions' leaders and the transaction coordinators, then restart the instance.");
        }
        if (stopping.getAsBoolean()) {
          throw new WakeupException();
        }
        sleep();
      }
    } catch (UnsupportedVersionException e) {
      unsupported = true;
      log.warn("The brokers cannot describe producers or list transactions ({}): a partition"
          + " assigned right after its previous owner committed may be replayed before that commit's markers are"
          + " replicated (ADR 0003, Recovery). Upgrade the brokers to Kafka 3.0 or later to close this window.",
          e.getMessage());
      return new Covered(ends(partitions, IsolationLevel.READ_COMMITTED, deadline), false);
    }
  }

  /**
   * One look at the partitions.
   *
   * @param lastStable the last stable offsets read
   * @param pending per partition that must not be replayed to them yet, why
   */
  private record Check(Map<TopicPartition, Long> lastStable, Map<TopicPartition, String> pending) {}

  private Check check(Collection<TopicPartition> partitions, long deadline) {
    Map<TopicPartition, Long> highWatermarks = ends(partitions, IsolationLevel.READ_UNCOMMITTED, deadline);
    Map<TopicPartition, Long> lastStable = ends(partitions, IsolationLevel.READ_COMMITTED, deadline);
    List<TopicPartition> held = partitions.stream()
        .filter(partition -> lastStable.get(partition) < highWatermarks.get(partition)).toList();
    if (held.isEmpty()) {
      return new Check(lastStable, Map.of()); // the common case: nothing open below the high watermark
    }
    Map<TopicPartition, List<OpenTransaction>> open = openTransactions(held, deadline);
    Map<TopicPartition, String> pending = new HashMap<>();
    for (TopicPartition partition : held) {
      mustWait(highWatermarks.get(partition), lastStable.get(partition), open.getOrDefault(partition, List.of()))
          .ifPresent(reason -> pending.put(partition, partition + ": " + reason));
    }
    return new Check(lastStable, pending);
  }

  /**
   * Decides for one partition whose last stable offset was below the high watermark read before it.
   *
   * @param open the transactions open on it, described after both offsets were read
   * @return why the replay must wait, or empty if the transaction at {@code lastStable} is one that
   *     can no longer commit and no open one has committed
   */
  static Optional<String> mustWait(long highWatermark, long lastStable, List<OpenTransaction> open) {
    if (lastStable >= highWatermark) {
      return Optional.empty();
    }
    if (open.stream().noneMatch(transaction -> transaction.firstOffset() == lastStable)) {
      return Optional.of("the transaction at offset " + lastStable + " has ended on the partition's leader, but its"
          + " marker is not replicated yet");
    }
    for (OpenTransaction transaction : open) {
      if (mayHaveCommitted(transaction.state())) {
        return Optional.of(describe(transaction));
      }
    }
    return Optional.empty();
  }

  private static boolean mayHaveCommitted(@Nullable TransactionState state) {
    return state == null || state == TransactionState.PREPARE_COMMIT || state == TransactionState.COMPLETE_COMMIT
        || state == TransactionState.UNKNOWN;
  }

  private static String describe(OpenTransaction transaction) {
    String where = "the transaction of producer id " + transaction.producerId() + " open since offset "
        + transaction.firstOffset();
    return transaction.state() == null
        ? where + " is not listed by the cluster's transaction coordinators: a producer of another application, or a"
            + " hanging transaction (kafka-transactions.sh find-hanging shows it, and kafka-transactions.sh abort"
            + " --topic <topic> --partition <partition> --start-offset " + transaction.firstOffset() + " aborts it)"
        : where + " is " + transaction.state() + " but its markers have not reached the partition";
  }

  private Map<TopicPartition, Long> ends(Collection<TopicPartition> partitions, IsolationLevel isolation,
      long deadline) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> listed =
        get(admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all(), deadline);
    Map<TopicPartition, Long> ends = new HashMap<>();
    listed.forEach((partition, info) -> ends.put(partition, info.offset()));
    return ends;
  }

  private Map<TopicPartition, List<OpenTransaction>> openTransactions(List<TopicPartition> partitions, long deadline) {
    Map<TopicPartition, PartitionProducerState> described = get(admin.describeProducers(partitions).all(), deadline);
    Set<Long> producerIds = new HashSet<>();
    described.values().forEach(state -> state.activeProducers().stream()
        .filter(producer -> producer.currentTransactionStartOffset().isPresent())
        .forEach(producer -> producerIds.add(producer.producerId())));
    Map<Long, TransactionState> states = producerIds.isEmpty() ? Map.of() : states(producerIds, deadline);
    Map<TopicPartition, List<OpenTransaction>> open = new HashMap<>();
    described.forEach((partition, state) -> {
      List<OpenTransaction> transactions = new ArrayList<>();
      for (ProducerState producer : state.activeProducers()) {
        producer.currentTransactionStartOffset().ifPresent(first -> transactions.add(
            new OpenTransaction(producer.producerId(), first, states.get(producer.producerId()))));
      }
      open.put(partition, transactions);
    });
    return open;
  }

  private Map<Long, TransactionState> states(Set<Long> producerIds, long deadline) {
    Collection<TransactionListing> listings = get(
        admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds)).all(), deadline);
    Map<Long, TransactionState> states = new HashMap<>();
    listings.forEach(listing -> states.put(listing.producerId(), listing.state()));
    return states;
  }

  private <T> T get(KafkaFuture<T> future, long deadline) {
    long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    try {
      return future.get(Math.max(remaining, 1), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnsupportedVersionException unsupportedVersion) {
        throw unsupportedVersion;
      }
      throw new TransientException("Checking that a newly assigned partition's last stable offset covers its"
          + " committed transactions failed: " + e.getCause() + ". The partition is not replayed without that"
          + " check; check that the service may describe its topics and transactional ids, then restart the"
          + " instance.", e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new TransientException("The cluster did not answer within " + maxWait.toSeconds() + " s whether a"
          + " newly assigned partition's committed transactions are complete; check the brokers, then restart the"
          + " instance.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while checking a newly assigned partition's open transactions", e);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(RECHECK_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("Interrupted while waiting for a committed transaction's markers", e);
    }
  }
}
