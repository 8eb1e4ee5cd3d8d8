package io.tributary.runtime.internal;

import io.tributary.core.error.TransientException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, before a newly assigned partition is replayed, for the transactions that committed but
 * whose markers have not reached that partition yet (ADR 0003, "Recovery", step 3). The previous
 * owner's consumed offsets being committed (step 1) does not mean the markers in {@code events[p]}
 * and {@code outcomes[p]} are written: the transaction coordinator writes each partition's markers
 * to its leader separately. A replay to the last stable offset before they land would leave that
 * committed batch out.
 *
 * <p>A transaction still open on the partition is waited for only if its coordinator has decided to
 * commit it (or the cluster does not list it, so that cannot be ruled out). One that is still
 * ongoing is not: after the group moved the partition its owner's offsets are refused, so it can
 * only be aborted, and waiting for it would hold the move until its transaction timeout (a frozen
 * owner). Used by the task loop's thread only.
 */
final class CommittingTransactions {
  /** How long a partition waits for a committed transaction's markers before its task loop gives up. */
  static final Duration MAX_WAIT = Duration.ofSeconds(30);
  private static final long RECHECK_MILLIS = 20;
  private static final Logger log = LoggerFactory.getLogger(CommittingTransactions.class);

  /** A transaction open on a partition, and the offset of its first record there. */
  record Open(long producerId, TopicPartition partition, long firstOffset) {}

  private final Admin admin;
  private final Duration maxWait;
  private boolean unsupported;

  /** @param admin used for the checks; owned by the caller */
  CommittingTransactions(Admin admin, Duration maxWait) {
    this.admin = admin;
    this.maxWait = maxWait;
  }

  /**
   * Returns once no transaction that committed, or may have, is still open on {@code partitions}.
   *
   * @return whether it had to wait for one
   * @throws TransientException if one is still open after {@link #MAX_WAIT}, or the cluster could
   *     not be asked within it: the partition must not be replayed yet
   */
  boolean awaitMarkers(Collection<TopicPartition> partitions) {
    if (unsupported) {
      return false;
    }
    long started = System.nanoTime();
    long deadline = started + maxWait.toNanos();
    Map<Long, TransactionState> lastStates = Map.of();
    while (true) {
      Map<Long, Open> open;
      Map<Long, TransactionState> states;
      try {
        open = openTransactions(partitions, deadline);
        if (open.isEmpty()) {
          break;
        }
        states = states(open.keySet(), deadline);
      } catch (UnsupportedVersionException e) {
        unsupported = true;
        log.warn("The brokers cannot describe producers or list transactions ({}): a partition assigned right after"
            + " its previous owner committed may be replayed before that commit's markers reach it (ADR 0003,"
            + " Recovery). Upgrade the brokers to Kafka 3.0 or later to close this window.", e.getMessage());
        return false;
      }
      Set<Long> waitFor = mustWaitFor(open.keySet(), states);
      if (waitFor.isEmpty()) {
        break;
      }
      lastStates = states;
      if (System.nanoTime() - deadline > 0) {
        throw new TransientException(describe(waitFor, open, lastStates) + " after " + maxWait.toSeconds()
            + " s: replaying " + partitions + " now would leave a committed batch out of the state. Check the"
            + " partitions' leaders and the transaction coordinator, then restart the instance; nothing was decided"
            + " for these partitions yet.");
      }
      sleep();
    }
    if (lastStates.isEmpty()) {
      return false;
    }
    log.info("Waited {} ms for the markers of committed transactions on {} before replaying them",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), partitions);
    return true;
  }

  /**
   * The producers whose open transaction must end before a replay: those the coordinator has decided
   * to commit, and those it does not list (it cannot be ruled out that they committed).
   */
  static Set<Long> mustWaitFor(Set<Long> open, Map<Long, TransactionState> states) {
    Set<Long> waitFor = new HashSet<>();
    for (long producerId : open) {
      TransactionState state = states.get(producerId);
      if (state == null || state == TransactionState.PREPARE_COMMIT || state == TransactionState.COMPLETE_COMMIT
          || state == TransactionState.UNKNOWN) {
        waitFor.add(producerId);
      }
    }
    return waitFor;
  }

  private Map<Long, Open> openTransactions(Collection<TopicPartition> partitions, long deadline) {
    Map<TopicPartition, PartitionProducerState> described = get(admin.describeProducers(partitions).all(), deadline);
    Map<Long, Open> open = new TreeMap<>();
    described.forEach((partition, producers) -> {
      for (ProducerState producer : producers.activeProducers()) {
        OptionalLong first = producer.currentTransactionStartOffset();
        if (first.isPresent()) {
          open.putIfAbsent(producer.producerId(), new Open(producer.producerId(), partition, first.getAsLong()));
        }
      }
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

  private static String describe(Set<Long> waitFor, Map<Long, Open> open, Map<Long, TransactionState> states) {
    StringBuilder text = new StringBuilder();
    for (long producerId : waitFor) {
      Open transaction = open.get(producerId);
      TransactionState state = states.get(producerId);
      text.append(text.isEmpty() ? "" : "; ").append("the transaction of producer id ").append(producerId)
          .append(" open on ").append(transaction.partition()).append(" since offset ").append(transaction.firstOffset())
          .append(state == null
              ? " is not listed by the cluster's transaction coordinators (is a producer of another application"
                  + " writing to this service's topics?)"
              : " is " + state + " but its markers have not reached the partition");
    }
    return text.toString();
  }

  private <T> T get(KafkaFuture<T> future, long deadline) {
    long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    try {
      return future.get(remaining, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnsupportedVersionException unsupportedVersion) {
        throw unsupportedVersion;
      }
      throw new TransientException("Checking for committed transactions whose markers have not reached a newly"
          + " assigned partition failed: " + e.getCause() + ". The partition is not replayed without that check;"
          + " check that the service may describe its topics and transactional ids, then restart the instance.",
          e.getCause());
    } catch (TimeoutException e) {
      throw new TransientException("The cluster did not say within " + maxWait.toSeconds() + " s whether a"
          + " committed transaction's markers have yet to reach a newly assigned partition; check the brokers, then"
          + " restart the instance.", e);
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
