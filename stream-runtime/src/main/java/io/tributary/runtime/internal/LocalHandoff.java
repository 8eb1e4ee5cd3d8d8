package io.tributary.runtime.internal;

import io.tributary.runtime.internal.wire.CommandRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Hands the gateway's commands to the task loop of this instance that owns their partition, so they
 * skip the commands topic (ADR 0009). Each loop has an {@link Inbox}, registered for a partition
 * while the loop owns it and has restored it. A command nobody here can take goes to the topic: the
 * gateway's {@link #offer} says so, and a loop that can no longer decide a handed command gives it to
 * {@link #toTopic}. Thread-safe.
 */
public final class LocalHandoff {
  /** A handed command with the partition the gateway computed for it, so the loop does not hash its key again. */
  record Handed(int partition, CommandRecord command) {}

  private final boolean enabled;
  private final AtomicReferenceArray<@Nullable Inbox> owners;
  private volatile @Nullable Consumer<CommandRecord> topic;

  /** @param enabled false: {@link #offer} always declines, and every command goes to the topic */
  public LocalHandoff(int partitions, boolean enabled) {
    this.enabled = enabled;
    this.owners = new AtomicReferenceArray<>(partitions);
  }

  /** Sets where commands go that no loop here takes: the gateway's append to the commands topic. */
  public void appendWith(Consumer<CommandRecord> append) {
    this.topic = append;
  }

  /**
   * @return true if the loop that owns {@code partition} here took {@code command}; false if no loop
   *     here owns it, or its inbox is full: the caller appends it to the topic
   */
  public boolean offer(int partition, CommandRecord command) {
    Inbox inbox = enabled ? owners.get(partition) : null;
    return inbox != null && inbox.offer(new Handed(partition, command));
  }

  /** Appends a handed command to the commands topic, where the partition's owner decides it. */
  void toTopic(CommandRecord command) {
    Consumer<CommandRecord> append = topic;
    if (append == null) {
      // nothing is handed before the gateway exists, and the gateway sets this when it is created
      throw new IllegalStateException("No gateway to append command " + command.getCommandId() + " to the topic.");
    }
    append.accept(command);
  }

  void own(int partition, Inbox inbox) {
    if (enabled) {
      owners.set(partition, inbox);
    }
  }

  void release(int partition, Inbox inbox) {
    owners.compareAndSet(partition, inbox, null);
  }

  /**
   * The handed commands of one task loop, in arrival order, at most {@code capacity}. The loop may
   * {@linkplain #park park} before a poll that waits; an offer then wakes it.
   */
  static final class Inbox {
    private final ConcurrentLinkedQueue<Handed> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean parked = new AtomicBoolean();
    private final int capacity;
    private volatile Runnable wake = () -> {};
    private volatile boolean closed;

    Inbox(int capacity) {
      this.capacity = capacity;
    }

    /** @param wake ends the loop's wait in a poll: its consumer's {@code wakeup} */
    void wakeWith(Runnable wake) {
      this.wake = wake;
    }

    private boolean offer(Handed command) {
      if (closed) {
        return false;
      }
      if (size.incrementAndGet() > capacity) {
        size.decrementAndGet();
        return false;
      }
      queue.add(command);
      if (closed && queue.remove(command)) {
        // the loop closed meanwhile and did not take it: the gateway appends it to the topic
        size.decrementAndGet();
        return false;
      }
      if (parked.compareAndSet(true, false)) {
        wake.run();
      }
      return true;
    }

    /** @return the oldest handed command, or null */
    @Nullable Handed poll() {
      Handed command = queue.poll();
      if (command != null) {
        size.decrementAndGet();
      }
      return command;
    }

    boolean isEmpty() {
      return queue.isEmpty();
    }

    /**
     * Marks the loop as about to wait in a poll, so that the next offer wakes it.
     *
     * @return false if a command is here already: the loop does not wait
     */
    boolean park() {
      parked.set(true);
      if (!queue.isEmpty()) {
        parked.set(false);
        return false;
      }
      return true;
    }

    /** Marks the loop as no longer waiting in a poll. */
    void unpark() {
      parked.set(false);
    }

    /** Takes no more commands; @return those it holds, to append to the topic */
    List<CommandRecord> close() {
      closed = true;
      List<CommandRecord> left = new ArrayList<>();
      for (Handed handed = poll(); handed != null; handed = poll()) {
        left.add(handed.command());
      }
      return left;
    }
  }
}
