package dev.lumina.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.LogThrottle;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka loop on the work topics: a classic consumer group with manual commits, up to
 * {@link JobExecutor#concurrentJobs} jobs running at once (one by default), and up to one poll's
 * worth of records fetched ahead — then every assigned partition is paused: the loop keeps calling
 * {@code poll()} (so the worker stays in the group however long the jobs take) but receives no new
 * record until one has started. A partition's next records wait for this worker whatever it does,
 * so holding them early delays no one, and the next job starts the moment there is room.
 *
 * <p>Per record: parse the envelope (unreadable → dead letter), run the job on a job thread ({@link
 * JobRunner}) — when jobs run one at a time, together with the pending records right behind it that
 * the executor gives the same batch key; when several run at once, while the executor's cost budget
 * has room for it — send the terminal events, and commit once they are durable: a partition's
 * offset moves only past jobs whose terminal events are all acknowledged ({@link RunningOffsets}),
 * whatever order they end in. The job thread does not wait for the acknowledgement: the next job
 * runs meanwhile. If a terminal event cannot be made durable the offset is not committed: the
 * consumer seeks back and the job runs again (jobs are idempotent by job id).
 *
 * <p>While jobs run the loop waits on them (at most {@code pollTimeout} between {@code poll()}s),
 * so a finished job is noticed, committed and followed by the next one at once, whatever the poll
 * timeout. Offsets of every job that became durable in one turn of the loop go in one commit,
 * through {@link OffsetCommits}: a commit that meets a rebalance is retried after the next poll,
 * one refused because the partition moved is dropped; no commit failure ends the loop.
 *
 * <p>All consumer calls happen on the loop's own thread ({@link #run}); {@link #stop} may be called
 * from any thread.
 */
final class WorkLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkLoop.class);
  private final LogThrottle deadLetterLog = new LogThrottle(Duration.ofSeconds(10));
  private static final long FETCH_MAX_WAIT_MS = 100;

  private final WorkerConfig config;
  private final KafkaConsumer<String, byte[]> consumer;
  private volatile KafkaClientMetrics clientMetrics;
  private final JobRunner runner;
  private final JobExecutor executor;
  private final JobEventSink events;
  private final CancelRegistry cancels;
  private final ExecutorService jobThread;
  private final Deque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
  private final OffsetCommits commits;
  private volatile boolean admitting = true;
  private volatile boolean inPoll;
  private final AtomicBoolean nudged = new AtomicBoolean();
  private volatile boolean stopped;
  private final List<Unit> running = new ArrayList<>();
  private final RunningOffsets offsets = new RunningOffsets();
  private final int maxRunning;

  /** Fetched records held before the partitions pause: one poll's worth, and room for a batch. */
  private final int prefetch;

  /**
   * Jobs started together (one, or a batch) and the records they came from. {@code computed}
   * completes when the job thread is done with them and their terminal events are sent, which frees
   * their room for the next job; {@code durable} when those events are acknowledged, which lets
   * their offsets be committed.
   */
  private record Unit(
      List<ConsumerRecord<String, byte[]>> records,
      CompletableFuture<?> computed,
      CompletableFuture<Void> durable,
      long cost) {
    boolean computing() {
      return !computed.isDone();
    }
  }

  WorkLoop(
      WorkerConfig config,
      JobRunner runner,
      JobExecutor executor,
      JobEventSink events,
      CancelRegistry cancels,
      ExecutorService jobThread) {
    this.config = config;
    this.runner = runner;
    this.executor = executor;
    this.events = events;
    this.cancels = cancels;
    this.jobThread = jobThread;
    this.maxRunning = Math.max(1, executor.concurrentJobs());
    this.prefetch = Math.max(maxRunning, config.maxBatch());
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-work");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxBatch());
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) config.maxPollInterval().toMillis());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis());
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) config.heartbeatInterval().toMillis());
    // An idle worker's fetch waits at the broker at most this long; records still end it at once.
    p.put(
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
        (int) Math.min(FETCH_MAX_WAIT_MS, config.pollTimeout().toMillis()));
    p.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.commits = new OffsetCommits(consumer::commitSync);
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(config.workTopics(), new Rebalance());
      while (!stopped) {
        try {
          if (!step()) {
            break;
          }
        } catch (WakeupException e) {
          // stop() ends the loop; drain() only cut an idle poll short, so the next step sees it.
        }
      }
      if (!stopped && !commits.isEmpty()) {
        commits.flush(consumer.assignment());
      }
    } catch (WakeupException e) {
      // stop() during the last commit: offsets left are redelivered, which job-id idempotency
      // allows.
    } catch (RuntimeException e) {
      LOG.error("work loop stopped: this worker takes no more jobs", e);
    } finally {
      if (clientMetrics != null) {
        clientMetrics.close();
      }
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /**
   * Reports the work consumer's own metrics (Kafka's, through Micrometer's binder) to {@code
   * registry}.
   */
  void bindMetrics(MeterRegistry registry) {
    KafkaClientMetrics m = new KafkaClientMetrics(consumer);
    m.bindTo(registry);
    clientMetrics = m;
  }

  /** One turn of the loop; false when the loop is to end (draining and no job running). */
  private boolean step() {
    if (running.isEmpty() && !admitting) {
      return false;
    }
    Duration poll = config.pollTimeout();
    if (admitting && computing() < maxRunning && !pending.isEmpty()) {
      // A fetched job can start now: only pick up what has arrived.
      poll = Duration.ZERO;
    } else if (!running.isEmpty() && pending.size() >= prefetch) {
      // Nothing to fetch (paused): wait for a job to free its room or become durable.
      awaitAny();
      poll = Duration.ZERO;
    }
    // Otherwise fetch ahead while jobs run; a job freeing its room or becoming durable ends the
    // poll at once (nudge).
    for (ConsumerRecord<String, byte[]> r : poll(poll)) {
      pending.add(r);
    }
    for (int i = running.size() - 1; i >= 0; i--) {
      if (running.get(i).durable().isDone()) {
        finish(running.remove(i));
      }
    }
    if (!commits.isEmpty()) {
      commits.flush(consumer.assignment());
    }
    while (admitting && computing() < maxRunning && !pending.isEmpty() && startNext()) {
      // Started one; room for more?
    }
    // The next records of a partition wait for this worker whatever it does, so having them here
    // early costs no one anything and lets the next job start the moment there is room.
    if (pending.size() >= prefetch) {
      consumer.pause(consumer.assignment());
    } else {
      consumer.resume(consumer.paused());
    }
    return admitting || !running.isEmpty();
  }

  /**
   * {@code consumer.poll}, cut short by {@link #nudge} (and by {@link #drain} and {@link #stop},
   * whose flags the loop reads next): a nudge that comes before the poll makes it return at once.
   */
  private ConsumerRecords<String, byte[]> poll(Duration timeout) {
    inPoll = true;
    try {
      return consumer.poll(nudged.getAndSet(false) ? Duration.ZERO : timeout);
    } catch (WakeupException e) {
      if (stopped) {
        throw e;
      }
      return ConsumerRecords.empty();
    } finally {
      inPoll = false;
    }
  }

  /**
   * Called from a job thread or a producer callback when a unit freed its room or became durable:
   * ends the loop's poll (or the next one) at once. Of the flag written here and the one the loop
   * writes before polling, each side reads the other's after its own write, so no nudge is missed.
   */
  private void nudge() {
    nudged.set(true);
    if (inPoll) {
      consumer.wakeup();
    }
  }

  /** Units the job threads are still working on. */
  private int computing() {
    int n = 0;
    for (Unit u : running) {
      if (u.computing()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Stops taking jobs; the loop ends once the running job (if any) has finished and committed. An
   * idle loop ends at once instead of after its current poll.
   */
  void drain() {
    admitting = false;
    consumer.wakeup();
  }

  /** Ends the loop now, without waiting for the running job. */
  void stop() {
    stopped = true;
    consumer.wakeup();
  }

  /**
   * Waits until one of the running jobs frees its room or becomes durable, at most the poll timeout
   * (the loop then polls to stay in the group).
   */
  private void awaitAny() {
    List<CompletableFuture<?>> any = new ArrayList<>();
    for (Unit u : running) {
      any.add(u.durable());
      if (u.computing()) {
        any.add(u.computed());
      }
    }
    try {
      CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new))
          .get(config.pollTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | CancellationException e) {
      // Still running, or ended; finish reads the outcome.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
  }

  /**
   * Jobs this worker holds from its work topics at once, running plus fetched ahead: announced on
   * its RUNNING events, so the scheduler keeps that many waiting on the topic.
   */
  int slots() {
    return maxRunning + prefetch;
  }

  /**
   * Starts the next pending job (with the pending jobs behind it that share its batch key, when
   * jobs run one batch at a time); false when the cost budget has no room for it yet.
   */
  private boolean startNext() {
    ConsumerRecord<String, byte[]> r = pending.peek();
    JobEnvelope first = tryParse(r);
    if (first == null) {
      pending.poll();
      parse(r);
      return true;
    }
    long budget = executor.costBudget();
    long cost = budget > 0 ? executor.jobCost(first) : 0;
    long used = running.stream().filter(Unit::computing).mapToLong(Unit::cost).sum();
    if (computing() > 0 && budget > 0 && used + cost > budget) {
      return false;
    }
    pending.poll();
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(List.of(r));
    List<JobEnvelope> jobs = new ArrayList<>(List.of(first));
    // Only a prefix of the pending records joins the batch, so no partition's offsets are skipped.
    Optional<Object> key = maxRunning == 1 ? executor.batchKey(first) : Optional.empty();
    while (key.isPresent() && jobs.size() < config.maxBatch() && !pending.isEmpty()) {
      JobEnvelope next = tryParse(pending.peek());
      if (next == null || !key.equals(executor.batchKey(next))) {
        break;
      }
      records.add(pending.poll());
      jobs.add(next);
    }
    List<CancelToken> tokens = new ArrayList<>();
    jobs.forEach(j -> tokens.add(cancels.register(j.getJobId())));
    records.forEach(offsets::started);
    CompletableFuture<CompletableFuture<Void>> computed =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                jobs.forEach(
                    j -> events.running(runner.runningEvent(j, config.workerId(), slots())));
                List<JobRunner.Outcome> outcomes = runner.runBatch(jobs, tokens);
                List<CompletableFuture<Void>> terminals = new ArrayList<>();
                for (int i = 0; i < outcomes.size(); i++) {
                  JobRunner.Outcome o = outcomes.get(i);
                  terminals.add(events.terminal(o.terminal()));
                  if (o.deadLetterReason() != null) {
                    ConsumerRecord<String, byte[]> rec = records.get(i);
                    events.deadLetter(
                        rec.key(), rec.value(), rec.topic(), rec.offset(), o.deadLetterReason());
                  }
                }
                return CompletableFuture.allOf(terminals.toArray(CompletableFuture[]::new));
              } catch (EventPublishException e) {
                throw new CompletionException(e);
              } finally {
                jobs.forEach(j -> cancels.release(j.getJobId()));
              }
            },
            jobThread);
    CompletableFuture<Void> durable = computed.thenCompose(d -> d);
    computed.whenComplete((v, e) -> nudge());
    durable.whenComplete((v, e) -> nudge());
    running.add(new Unit(records, computed, durable, cost));
    return true;
  }

  /**
   * The envelope of {@code r}, or null after sending an unreadable record to the dead-letter topic.
   */
  private JobEnvelope parse(ConsumerRecord<String, byte[]> r) {
    JobEnvelope job = tryParse(r);
    if (job == null) {
      deadLetter(
          r,
          "unreadable job envelope: "
              + (r.value() == null
                  ? "no value"
                  : "not a lumina.cluster.v1.JobEnvelope with a job_id"));
    }
    return job;
  }

  private static JobEnvelope tryParse(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return null;
    }
    try {
      JobEnvelope job = JobEnvelope.parseFrom(r.value());
      return job.getJobId().isEmpty() ? null : job;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private void finish(Unit unit) {
    try {
      unit.durable().get();
      for (ConsumerRecord<String, byte[]> r : unit.records()) {
        offsets.finished(r);
      }
      // Committed once per turn of the loop, with every other unit that became durable.
      unit.records().stream()
          .map(r -> new TopicPartition(r.topic(), r.partition()))
          .distinct()
          .forEach(tp -> commits.add(tp, offsets.committable(tp)));
    } catch (ExecutionException e) {
      // A terminal event is not durable: leave the offsets and take the jobs again.
      Map<TopicPartition, Long> first = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : unit.records()) {
        first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
      }
      LOG.warn("jobs at {} not recorded, will run again: {}", first, e.getCause().toString());
      unit.records().forEach(offsets::failed);
      first.forEach(
          (tp, offset) -> {
            if (consumer.assignment().contains(tp)) {
              consumer.seek(tp, offset);
            }
            pending.removeIf(p -> p.topic().equals(tp.topic()) && p.partition() == tp.partition());
          });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
  }

  private void deadLetter(ConsumerRecord<String, byte[]> r, String reason) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    try {
      events.deadLetter(
          r.key(), r.value() == null ? new byte[0] : r.value(), r.topic(), r.offset(), reason);
      long suppressed = deadLetterLog.admit(r.topic());
      if (suppressed >= 0) {
        LOG.warn(
            "record {}@{} sent to the dead-letter topic: {} ({} more from {} not logged)",
            tp,
            r.offset(),
            reason,
            suppressed,
            r.topic());
      }
      commit(tp, r.offset() + 1);
    } catch (EventPublishException e) {
      LOG.warn("record {}@{} not dead-lettered, will retry: {}", tp, r.offset(), e.toString());
      consumer.seek(tp, r.offset());
    }
  }

  private void commit(TopicPartition tp, long next) {
    commits.add(tp, next);
    commits.flush(consumer.assignment());
  }

  /** Keeps new partitions paused while a job runs; forgets records of partitions taken away. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (!commits.isEmpty()) {
        // Last chance to commit finished jobs of partitions about to move.
        commits.flush(consumer.assignment());
      }
      commits.forget(partitions);
      offsets.forget(partitions);
      pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (pending.size() >= prefetch) {
        consumer.pause(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      commits.forget(partitions);
      offsets.forget(partitions);
      pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    }
  }
}
