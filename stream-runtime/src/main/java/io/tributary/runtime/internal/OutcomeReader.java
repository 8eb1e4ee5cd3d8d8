package io.tributary.runtime.internal;

import io.tributary.core.error.TransientException;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the futures of the commands this instance's callers wait for, from two sources:
 *
 * <ul>
 *   <li>the task loop of this instance, through {@link #committed}, as soon as the transaction that
 *       holds their outcomes has committed: the commands whose partitions this instance owns;
 *   <li>every partition of {@code <svc>.outcomes}, read {@code read_committed} from the end at start:
 *       the commands decided by other instances (and any the first source did not complete). The
 *       gateway names this instance in each command's {@code reply_to}, so the instance that
 *       decides it appends even an acceptance with events as an outcome record (ADR 0008).
 * </ul>
 *
 * Both only ever see committed outcomes, so a reply still follows the commit. The reader passes
 * over the records the task loop reported (it keeps their offset ranges until it has read past
 * them): a caller who resends a command after its reply must get the resend's outcome, marked
 * duplicate, not the first record arriving late through the topic. Thread-safe: {@link #await} is
 * called from any thread; futures are completed on this reader's threads, never on the caller's.
 */
public final class OutcomeReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutcomeReader.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Map<String, CompletableFuture<CommandOutcome>> waiting = new ConcurrentHashMap<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread thread;
  /** Completes the futures of committed local outcomes, so callers' callbacks never run on the task loop. */
  private final ExecutorService replies;
  /** Per partition, the offset ranges {first, last} reported by the task loop and not yet read past. */
  private final List<ConcurrentLinkedQueue<long[]>> reported;
  private volatile boolean running = true;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable Throwable failure;

  public OutcomeReader(Consumer<byte[], byte[]> consumer, String topic, int partitions) {
    this.consumer = consumer;
    this.topic = topic;
    List<TopicPartition> all = java.util.stream.IntStream.range(0, partitions)
        .mapToObj(p -> new TopicPartition(topic, p)).toList();
    consumer.assign(all);
    consumer.seekToEnd(all);
    // resolve the end positions now, so that every outcome committed after start() returns is read
    all.forEach(consumer::position);
    this.thread = new Thread(this::run, "tributary-" + topic + "-reader");
    this.reported = java.util.stream.IntStream.range(0, partitions)
        .mapToObj(p -> new ConcurrentLinkedQueue<long[]>()).toList();
    this.replies = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon()
        .name("tributary-" + topic + "-replies").factory());
  }

  public void start() {
    thread.start();
  }

  /**
   * @return a future completed by the first outcome read for {@code commandId} from now on; callers
   *     waiting for the same id share it
   */
  public CompletableFuture<CommandOutcome> await(String commandId) {
    Throwable failed = failure;
    if (failed != null) {
      return CompletableFuture.failedFuture(failed);
    }
    CompletableFuture<CommandOutcome> future = waiting.computeIfAbsent(commandId, id -> new CompletableFuture<>());
    failed = failure;
    if (failed != null) {
      future.completeExceptionally(failed); // the reader stopped meanwhile and may have failed the waits already
    }
    return future;
  }

  /** Ends the wait for {@code commandId}, if any, with {@code error}: its outcome will not come here. */
  public void fail(String commandId, Throwable error) {
    CompletableFuture<CommandOutcome> future = waiting.remove(commandId);
    if (future != null) {
      future.completeExceptionally(error);
    }
  }

  /**
   * Completes the waiting futures of {@code outcomes}, whose transaction has committed; called by the
   * task loop's committer right after {@code commitTransaction} returned. Returns at once: the futures are
   * completed on the replies thread. Outcomes nobody here waits for are passed over: they are in the
   * log. See {@link OutcomeListener#committed} for the parameters.
   */
  public void committed(int partition, long firstOffset, long lastOffset, List<DecidedOutcome> outcomes) {
    if (failure != null) {
      return; // the reader stopped: every wait fails (see await), and nothing reads the ranges any more
    }
    if (firstOffset >= 0) {
      // recorded before any caller can hear of it, so a resend's wait never meets these records
      reported.get(partition).add(new long[] {firstOffset, lastOffset});
    }
    if (outcomes.isEmpty() || waiting.isEmpty()) {
      return;
    }
    try {
      // the last outcome of a command id answers: when a command and its resend are in one batch, a
      // caller waiting for the id gets the resend's outcome, marked duplicate, as it would had the
      // two been in two batches (the outcomes are the same but for that mark)
      replies.execute(() -> {
        for (int i = outcomes.size() - 1; i >= 0; i--) {
          complete(outcomes.get(i).commandId(), outcomes.get(i));
        }
      });
    } catch (RejectedExecutionException closing) {
      // closed: the callers' futures end with the reader, as they would without this path
    }
  }

  /** @return whether the task loop reported the record at {@code offset}; forgets ranges read past */
  private boolean reportedLocally(int partition, long offset) {
    ConcurrentLinkedQueue<long[]> ranges = reported.get(partition);
    long[] head;
    while ((head = ranges.peek()) != null && head[1] < offset) {
      ranges.poll();
    }
    return head != null && head[0] <= offset;
  }

  /** Completes the wait for {@code commandId}, if any; the record is built only then. */
  private void complete(String commandId, Supplier<OutcomeRecord> outcome) {
    CompletableFuture<CommandOutcome> future = waiting.remove(commandId);
    if (future != null) {
      future.complete(WireFormat.outcome(outcome.get()));
    }
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          if (reportedLocally(record.partition(), record.offset())) {
            continue;
          }
          OutcomeRecord outcome = WireFormat.parse(OutcomeRecord.parser(), record.value(),
              topic + "[" + record.partition() + "]@" + record.offset());
          complete(outcome.getCommandId(), () -> outcome);
        }
      }
    } catch (WakeupException closing) {
      // close() woke the consumer up
    } catch (RuntimeException e) {
      log.error("The outcome reader of {} stopped: {}", topic, e.toString(), e);
      failure = e;
      waiting.values().forEach(future -> future.completeExceptionally(e));
    } finally {
      consumer.close();
      finished.countDown();
    }
  }

  /**
   * Stops reading; idempotent. The callers still waiting get a {@link TransientException}: the outcome may come
   * later, but not here, and resending the same command id is safe; so does a wait begun after this.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    running = false;
    replies.shutdown();
    consumer.wakeup();
    try {
      finished.await(10, TimeUnit.SECONDS);
      replies.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Throwable notKnownHere = new TransientException("The instance closed before the outcome arrived, so it is not"
          + " known here. Resending the same command id to a running instance is safe: it returns the first"
          + " outcome if the command was decided.");
      if (failure == null) {
        failure = notKnownHere;
      }
      waiting.values().forEach(future -> future.completeExceptionally(notKnownHere));
      waiting.clear();
    }
  }
}
