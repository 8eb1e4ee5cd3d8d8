package io.tributary.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.runtime.bank.Account;
import io.tributary.runtime.SendCommand;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.internal.wire.EventRecord;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.jspecify.annotations.Nullable;

/**
 * The latency phase: commands of the uniform workload offered open-loop at a fixed rate (see
 * {@link OpenLoopSchedule}) to a freshly started system, a warm-up window and then a recorded one.
 *
 * <ul>
 *   <li>Tributary: every other command is a gRPC {@code CommandService.Send} call to the runtime's
 *       {@code CommandServer} on loopback, timed from its due time to the reply's arrival at the
 *       client; the others go to {@code CommandGateway.send} in the same JVM, timed to the completion
 *       of its future with the committed outcome.
 *   <li>Kafka Streams: from the due time of producing the command record (an idempotent producer,
 *       as the gateway's) until the command's event, or its rejection outcome, is read by a {@code
 *       read_committed} consumer.
 * </ul>
 *
 * Part of {@link CommandSideBenchmark}, for docs/adr/0003-command-side.md.
 */
final class LatencyPhase {
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(60);
  private static final Duration START_WAIT = Duration.ofSeconds(60);
  private static final Duration START_DELAY = Duration.ofMillis(100);

  private final BenchKafka kafka;
  private final BenchBroker broker;
  private final BenchSettings settings;
  private final TributarySystem tributary;
  private final StreamsPeer streams;

  LatencyPhase(BenchKafka kafka, BenchBroker broker, BenchSettings settings, TributarySystem tributary,
      StreamsPeer streams) {
    this.broker = broker;
    this.kafka = kafka;
    this.settings = settings;
    this.tributary = tributary;
    this.streams = streams;
  }

  /**
   * Runs {@code bench.latency-warmup-rounds} unrecorded rounds of each system, then {@code
   * bench.latency-runs} recorded ones; each round runs every system once, so machine noise is spread
   * over them. The broker is warm by then too: the system measured first would otherwise also pay
   * for compiling the broker's code (in this JVM by default) while it is measured.
   *
   * @return the results of the recorded rounds of the systems {@code bench.systems} names, round by
   *     round, Tributary first in each
   */
  List<LatencyResult> run() throws Exception {
    try (GcPauses gc = GcPauses.listen()) {
      for (int round = 1; round <= settings.latencyWarmupRounds(); round++) {
        for (LatencyResult result : runRound(gc)) {
          Progress.print("  latency warm-up round %d, not recorded: %s %s: p50 %.1f ms, p99 %.1f ms%s", round,
              result.system(), result.measure(), result.p50Millis(), result.p99Millis(), tailNote(result));
        }
      }
      List<LatencyResult> recorded = new ArrayList<>();
      for (int round = 1; round <= settings.latencyRuns(); round++) {
        for (LatencyResult result : runRound(gc)) {
          Progress.print("  latency round %d of %d: %s %s: p50 %.1f ms, p99 %.1f ms%s", round, settings.latencyRuns(),
              result.system(), result.measure(), result.p50Millis(), result.p99Millis(), tailNote(result));
          recorded.add(result);
        }
      }
      return recorded;
    }
  }

  private static String tailNote(LatencyResult result) {
    return String.format(Locale.ROOT, " (%.0f%% of the commands at or above the p99 waited through a GC pause)",
        100 * result.tailInPauses());
  }

  private List<LatencyResult> runRound(GcPauses gc) throws Exception {
    List<LatencyResult> results = new ArrayList<>();
    if (settings.runsSystem("tributary")) {
      System.gc(); // as before a throughput run: the garbage of the runs before is not collected in this one
      results.addAll(measureTributary(gc));
    }
    if (settings.runsSystem("kafka-streams")) {
      System.gc();
      results.add(measureStreams(gc));
    }
    return results;
  }

  /**
   * One runtime, its gRPC command server and a client: every {@code bench.latency-grpc-every}th
   * command is a gRPC call, the others go to the gateway in this JVM, so both figures come from the
   * same load of {@code latencyRate}. The gRPC client shares this JVM and its two cores with the
   * runtime, so a gRPC call costs the machine twice what a remote client's would; sampling the gRPC
   * path, rather than sending every command through it, keeps that cost from being the load.
   */
  private List<LatencyResult> measureTributary(GcPauses gc) throws Exception {
    String run = "tr-latency-" + Long.toHexString(System.nanoTime() & 0xffff);
    Path stateDir = TempDirs.create("bench-state-");
    try {
      kafka.createTopics(RunTopics.of(run).all());
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      try (TributaryRuntime runtime = tributary.startRuntime(run, stateDir, meters);
          CommandCallPath calls = CommandCallPath.start(runtime.commands())) {
        awaitStarted("tributary", () -> runtime.ownedPartitions().size() == kafka.partitions());
        OpenLoopSchedule plan = plan();
        // each command is built when it is due, as for Kafka Streams below: a list of all of them, built
        // before the round, would stay live through it and be copied by every young collection
        CommandLog log = new CommandLog(Workload.uniform(settings.accounts()), settings.seed() + 1);
        Map<String, Long> errorsBefore = BrokerErrors.counts(broker.metrics());
        OpenLoopSchedule schedule = plan.startingIn(START_DELAY);
        AtomicLongArray latency = unanswered(schedule.totalCommands());
        // a count, not the replies: holding every answered future to the end would make the young
        // collections copy them all, a garbage-collection cost of the harness billed to the runtime
        CountDownLatch unanswered = new CountDownLatch(schedule.totalCommands());
        AtomicReference<@Nullable Throwable> firstError = new AtomicReference<>();
        Progress progress = new Progress();
        for (int i = 0; i < schedule.totalCommands(); i++) {
          CommandLog.Command next = log.next();
          SendCommand command = new SendCommand(next.commandId(), Account.TYPE, next.command().toByteArray(), null);
          schedule.awaitDue(i);
          long due = schedule.due(i);
          int index = i;
          CompletableFuture<?> reply = viaGrpc(i) ? calls.send(command) : runtime.commands().send(command);
          reply.whenComplete((outcome, error) -> {
            if (error == null) {
              latency.set(index, System.nanoTime() - due);
            } else {
              firstError.compareAndSet(null, error);
            }
            unanswered.countDown();
          });
          reportSending("tributary", progress, i + 1, schedule, latency);
        }
        if (!unanswered.await(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          Progress.print("  tributary latency: not every reply arrived within %s", ANSWER_WAIT);
        }
        long answeredBy = System.nanoTime();
        Progress.print("  tributary latency: %s", TributarySystem.stats(meters));
        Progress.print("  tributary latency: the broker's error answers during the run: %s",
            BrokerErrors.added(errorsBefore, BrokerErrors.counts(broker.metrics())));
        if (firstError.get() != null) {
          Progress.print("  tributary latency: a command got no answer: %s", firstError.get());
        }
        GcPauses.Summary pauses = gc.between(schedule.due(schedule.warmupCommands()), answeredBy);
        long[] all = toArray(latency);
        return List.of(
            LatencyResult.of("tributary", "gRPC CommandService.Send -> reply", recorded(schedule, true), all, schedule,
                gc, pauses),
            LatencyResult.of("tributary", "CommandGateway.send -> committed reply", recorded(schedule, false), all,
                schedule, gc, pauses));
      }
    } finally {
      TempDirs.delete(stateDir);
      kafka.deleteTopicsStartingWith(run);
    }
  }

  private boolean viaGrpc(int command) {
    return settings.latencyGrpcEvery() > 0 && command % settings.latencyGrpcEvery() == 0;
  }

  /** @return the indexes of the recorded (after warm-up) commands sent through gRPC, or of the others */
  private int[] recorded(OpenLoopSchedule schedule, boolean grpc) {
    return java.util.stream.IntStream.range(schedule.warmupCommands(), schedule.totalCommands())
        .filter(i -> viaGrpc(i) == grpc)
        .toArray();
  }

  private LatencyResult measureStreams(GcPauses gc) throws Exception {
    String run = "ks-latency-" + Long.toHexString(System.nanoTime() & 0xffff);
    RunTopics topics = RunTopics.of(run);
    Path stateDir = TempDirs.create("bench-state-");
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    try {
      kafka.createTopics(topics.all());
      String linger = kafka.clientProperties().getOrDefault(ProducerConfig.LINGER_MS_CONFIG, "1");
      try (KafkaStreams app = streams.startStreams(run, stateDir, failure);
          KafkaProducer<byte[], byte[]> producer = kafka.producer("ingress",
              Map.of(ProducerConfig.LINGER_MS_CONFIG, linger))) {
        awaitStarted("kafka-streams", () -> app.state() == KafkaStreams.State.RUNNING);
        CommandLog log = new CommandLog(Workload.uniform(settings.accounts()), settings.seed() + 1);
        KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("output-reader");
        List<TopicPartition> outputs = kafka.partitionsOf(List.of(topics.events(), topics.outcomes()));
        consumer.assign(outputs);
        consumer.seekToEnd(outputs);
        outputs.forEach(consumer::position);
        OpenLoopSchedule schedule = plan().startingIn(START_DELAY);
        AtomicLongArray latency = unanswered(schedule.totalCommands());
        OutputReader reader = new OutputReader(consumer, topics, schedule, latency);
        Thread readerThread = new Thread(reader, "bench-output-reader");
        readerThread.start();
        Progress progress = new Progress();
        for (int i = 0; i < schedule.totalCommands(); i++) {
          CommandLog.Command command = log.next();
          schedule.awaitDue(i);
          producer.send(new ProducerRecord<>(topics.commands(), command.key(),
              command.record(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()))));
          reportSending("kafka-streams", progress, i + 1, schedule, latency);
        }
        readerThread.join(ANSWER_WAIT.toMillis());
        long answeredBy = System.nanoTime();
        reader.stop();
        readerThread.join();
        if (failure.get() != null) {
          throw new IllegalStateException("Kafka Streams failed during the latency phase", failure.get());
        }
        return LatencyResult.of("kafka-streams", "produce -> event/rejection read_committed", toArray(latency),
            schedule, gc, gc.between(schedule.due(schedule.warmupCommands()), answeredBy));
      }
    } finally {
      TempDirs.delete(stateDir);
      kafka.deleteTopicsStartingWith(run);
    }
  }

  /**
   * Reads the peer's events and outcomes from a consumer positioned at their ends before the first
   * command was sent, and records each command's latency when its output appears. Closes the consumer.
   */
  private static final class OutputReader implements Runnable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RunTopics topics;
    private final OpenLoopSchedule schedule;
    private final AtomicLongArray latency;
    private volatile boolean running = true;

    OutputReader(KafkaConsumer<byte[], byte[]> consumer, RunTopics topics, OpenLoopSchedule schedule,
        AtomicLongArray latency) {
      this.consumer = consumer;
      this.topics = topics;
      this.schedule = schedule;
      this.latency = latency;
    }

    void stop() {
      running = false;
    }

    @Override
    public void run() {
      try (consumer) {
        int answered = 0;
        while (running && answered < latency.length()) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
            long now = System.nanoTime();
            int index = (int) CommandLog.indexOf(commandId(record));
            if (latency.compareAndSet(index, -1, now - schedule.due(index))) {
              answered++;
            }
          }
        }
      }
    }

    private String commandId(ConsumerRecord<byte[], byte[]> record) {
      try {
        return record.topic().equals(topics.events())
            ? EventRecord.parseFrom(record.value()).getCommandId()
            : OutcomeRecord.parseFrom(record.value()).getCommandId();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("An output record of " + record.topic() + " does not parse", e);
      }
    }
  }

  private OpenLoopSchedule plan() {
    return OpenLoopSchedule.of(settings.latencyRate(), settings.latencyWarmup(), settings.latencyDuration());
  }

  private static void reportSending(String system, Progress progress, int sent, OpenLoopSchedule schedule,
      AtomicLongArray latency) {
    if (progress.due()) {
      int answered = 0;
      for (int i = 0; i < sent; i++) {
        answered += latency.get(i) >= 0 ? 1 : 0;
      }
      Progress.print("  %s latency: %s / %s commands sent, %s answered, offered %s cmd/s", system,
          Progress.count(sent), Progress.count(schedule.totalCommands()), Progress.count(answered),
          Progress.count(progress.perSecond(sent)));
    }
  }

  private static void awaitStarted(String system, BooleanSupplier started)
      throws InterruptedException {
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    while (!started.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(system + " did not start within " + START_WAIT);
      }
      Thread.sleep(20);
    }
  }

  private static AtomicLongArray unanswered(int size) {
    AtomicLongArray latency = new AtomicLongArray(size);
    for (int i = 0; i < size; i++) {
      latency.set(i, -1);
    }
    return latency;
  }

  private static long[] toArray(AtomicLongArray latency) {
    long[] values = new long[latency.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = latency.get(i);
    }
    return values;
  }
}
