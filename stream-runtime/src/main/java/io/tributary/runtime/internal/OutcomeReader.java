package io.tributary.runtime.internal;

import io.tributary.core.error.TransientException;
import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the futures of the commands this instance's callers wait for, from two sources:
 *
 * <ul>
 *   <li>the task loops of this instance, through {@link #committed}, as soon as the transaction that
 *       holds their outcomes has committed: the commands whose partitions this instance owns;
 *   <li>the partitions of {@code <svc>.outcomes} that this instance does not own, read {@code
 *       read_committed} from the end at start: the commands decided by other instances. The gateway
 *       names this instance in each command's {@code reply_to}, so the instance that decides it
 *       appends even an acceptance with events as an outcome record (ADR 0008).
 * </ul>
 *
 * Both only ever see committed outcomes, so a reply still follows the commit. A task loop tells the
 * reader when it takes a partition ({@link #owned}, with the outcomes offset its replay ended at)
 * and when it lets it go ({@link #released}). Every outcome record from that offset until the
 * release is the loop's own, already reported through {@link #committed}: the reader passes over
 * them, and stops fetching the partition (pauses it) once it reaches them, so an instance does not
 * read back what it wrote. A caller who resends a command after its reply must get the resend's
 * outcome, marked duplicate, not the first record arriving late through the topic; passing over the
 * loop's records keeps it so. On a release the reader seeks past the loop's last record and fetches
 * the partition again, for the outcomes of its next owner. Thread-safe: {@link #await} is called
 * from any thread; futures are completed on this reader's threads, never on the caller's.
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
  /**
   * Per partition, the stretches of offsets whose records a task loop of this instance appended while
   * it owned the partition, oldest first; the last one is open while a loop owns it. Read past ones
   * are dropped by the reader's thread.
   */
  private final List<ConcurrentLinkedDeque<Owned>> owned;
  /** Per partition, the offset of the last outcome record a task loop of this instance appended, or -1. */
  private final AtomicLongArray lastLocal;
  /** Partitions released by their loop, for the reader's thread to fetch again. */
  private final ConcurrentLinkedQueue<Integer> releases = new ConcurrentLinkedQueue<>();
  /** Per partition, whether the reader's thread paused it; used by that thread only. */
  private final boolean[] paused;
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
    this.owned = java.util.stream.IntStream.range(0, partitions)
        .mapToObj(p -> new ConcurrentLinkedDeque<Owned>()).toList();
    this.lastLocal = new AtomicLongArray(partitions);
    for (int p = 0; p < partitions; p++) {
      lastLocal.set(p, -1);
    }
    this.paused = new boolean[partitions];
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
      return; // the reader stopped: every wait fails (see await)
    }
    if (lastOffset >= 0) {
      lastLocal.accumulateAndGet(partition, lastOffset, Math::max);
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

  /**
   * A task loop of this instance owns {@code partition} from now on: every outcome record of it from
   * {@code outcomesFrom} on is the loop's, reported through {@link #committed}. Called by the loop
   * after the partition's replay, before it decides any command of it.
   *
   * @param outcomesFrom where the replay of the outcomes partition ended: every record of an earlier
   *     owner lies below it
   */
  public void owned(int partition, long outcomesFrom) {
    owned.get(partition).addLast(new Owned(outcomesFrom));
  }

  /**
   * The task loop that owned {@code partition} let it go, after its last transaction ended: the
   * reader fetches the partition again from past the loop's last record, for its next owner's.
   */
  public void released(int partition) {
    if (closed.get()) {
      return;
    }
    Owned last = owned.get(partition).peekLast();
    if (last != null && last.until == Long.MAX_VALUE) {
      last.until = Math.max(last.from - 1, lastLocal.get(partition));
    }
    releases.add(partition);
    consumer.wakeup();
  }

  /** @return whether a task loop of this instance appended the record at {@code offset}; drops stretches read past */
  private boolean appendedLocally(int partition, long offset) {
    ConcurrentLinkedDeque<Owned> stretches = owned.get(partition);
    Owned head;
    while ((head = stretches.peekFirst()) != null && head.until < offset) {
      stretches.pollFirst();
    }
    for (Owned stretch : stretches) {
      if (stretch.from <= offset && offset <= stretch.until) {
        return true;
      }
    }
    return false;
  }

  /**
   * Pauses the partitions a loop owns once the reader has read up to the loop's first record, and
   * fetches the released ones again from past the loop's last record.
   */
  private void followOwners() {
    // taken off the queue only once handled: a wakeup that ends this call leaves it for the next
    for (Integer partition; (partition = releases.peek()) != null; releases.poll()) {
      Owned last = owned.get(partition).peekLast();
      if (paused[partition] && (last == null || last.until != Long.MAX_VALUE)) {
        TopicPartition tp = new TopicPartition(topic, partition);
        consumer.seek(tp, Math.max(consumer.position(tp), lastLocal.get(partition) + 1));
        consumer.resume(List.of(tp));
        paused[partition] = false;
      }
    }
    for (int partition = 0; partition < paused.length; partition++) {
      Owned last = owned.get(partition).peekLast();
      if (!paused[partition] && last != null && last.until == Long.MAX_VALUE) {
        TopicPartition tp = new TopicPartition(topic, partition);
        if (consumer.position(tp) >= last.from) {
          consumer.pause(List.of(tp));
          paused[partition] = true;
        }
      }
    }
  }

  /**
   * Offsets from {@code from} to {@code until} of one partition, appended by a task loop of this
   * instance; {@code until} is {@link Long#MAX_VALUE} while the loop owns the partition.
   */
  private static final class Owned {
    final long from;
    volatile long until = Long.MAX_VALUE;

    Owned(long from) {
      this.from = from;
    }
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
        ConsumerRecords<byte[], byte[]> records;
        try {
          followOwners();
          records = consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException woken) {
          if (!running) {
            throw woken;
          }
          continue; // a release woke it: fetch that partition again at once
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
          if (appendedLocally(record.partition(), record.offset())) {
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
