package io.tributary.runtime.internal;

import io.tributary.runtime.CommandOutcome;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of {@code <svc>.outcomes} ({@code read_committed}, from the end at start)
 * and completes the futures of the commands this instance's callers wait for. Thread-safe: {@link
 * #await} is called from any thread, the reading happens on this reader's own thread.
 */
public final class OutcomeReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutcomeReader.class);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Map<String, CompletableFuture<CommandOutcome>> waiting = new ConcurrentHashMap<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
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
    return waiting.computeIfAbsent(commandId, id -> new CompletableFuture<>());
  }

  /** Stops waiting for {@code commandId} (the caller gave up), unless the outcome already arrived. */
  public void forget(String commandId, CompletableFuture<CommandOutcome> future) {
    waiting.remove(commandId, future);
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          OutcomeRecord outcome = WireFormat.parse(OutcomeRecord.parser(), record.value(),
              topic + "[" + record.partition() + "]@" + record.offset());
          CompletableFuture<CommandOutcome> future = waiting.remove(outcome.getCommandId());
          if (future != null) {
            future.complete(WireFormat.outcome(outcome));
          }
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

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      finished.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
