package dev.lumina.worker.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.cluster.v1.JobEnvelope;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka loop on the work topics: a classic consumer group with {@code
 * max.poll.records} = the batch size (1 by default), manual commits, and every assigned partition paused while a job runs — the
 * loop keeps calling {@code poll()} (so the worker stays in the group however long the job takes)
 * but receives no new record until the job has ended.
 *
 * <p>Per record: parse the envelope (unreadable → dead letter), run the job on the job thread
 * ({@link JobRunner}) — together with the pending records right behind it that the executor gives
 * the same batch key — publish the terminal events durably, and only then commit the offsets. If the terminal event cannot be made durable the offset is not committed: the consumer
 * seeks back and the job runs again (jobs are idempotent by job id).
 *
 * <p>All consumer calls happen on the loop's own thread ({@link #run}); {@link #stop} may be
 * called from any thread.
 */
final class WorkLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkLoop.class);

  private final WorkerConfig config;
  private final KafkaConsumer<String, byte[]> consumer;
  private final JobRunner runner;
  private final JobExecutor executor;
  private final JobEventSink events;
  private final CancelRegistry cancels;
  private final ExecutorService jobThread;
  private final Deque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
  private volatile boolean admitting = true;
  private volatile boolean stopped;
  private List<ConsumerRecord<String, byte[]>> current = List.of();
  private Future<?> currentJob;

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
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-work");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxBatch());
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) config.maxPollInterval().toMillis());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(config.workTopics(), new Rebalance());
      while (!stopped) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(config.pollTimeout())) {
          pending.add(r);
        }
        if (currentJob != null && currentJob.isDone()) {
          finishCurrent();
        }
        if (currentJob == null) {
          if (!admitting) {
            break;
          }
          startNext();
        }
      }
    } catch (WakeupException e) {
      if (!stopped) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("work loop stopped: this worker takes no more jobs", e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Stops taking jobs; the loop ends once the running job (if any) has finished and committed. */
  void drain() {
    admitting = false;
  }

  /** Ends the loop now, without waiting for the running job. */
  void stop() {
    stopped = true;
    consumer.wakeup();
  }

  private void startNext() {
    ConsumerRecord<String, byte[]> r = pending.poll();
    if (r == null) {
      return;
    }
    JobEnvelope first = parse(r);
    if (first == null) {
      return;
    }
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(List.of(r));
    List<JobEnvelope> jobs = new ArrayList<>(List.of(first));
    // Only a prefix of the pending records joins the batch, so no partition's offsets are skipped.
    Optional<Object> key = executor.batchKey(first);
    while (key.isPresent() && jobs.size() < config.maxBatch() && !pending.isEmpty()) {
      JobEnvelope next = tryParse(pending.peek());
      if (next == null || !key.equals(executor.batchKey(next))) {
        break;
      }
      records.add(pending.poll());
      jobs.add(next);
    }
    consumer.pause(consumer.assignment());
    List<CancelToken> tokens = new ArrayList<>();
    jobs.forEach(j -> tokens.add(cancels.register(j.getJobId())));
    current = records;
    currentJob =
        jobThread.submit(
            () -> {
              try {
                jobs.forEach(j -> events.running(runner.runningEvent(j)));
                List<JobRunner.Outcome> outcomes = runner.runBatch(jobs, tokens);
                for (int i = 0; i < outcomes.size(); i++) {
                  JobRunner.Outcome o = outcomes.get(i);
                  events.terminal(o.terminal());
                  if (o.deadLetterReason() != null) {
                    ConsumerRecord<String, byte[]> rec = records.get(i);
                    events.deadLetter(rec.key(), rec.value(), rec.topic(), rec.offset(), o.deadLetterReason());
                  }
                }
                return null;
              } finally {
                jobs.forEach(j -> cancels.release(j.getJobId()));
              }
            });
  }

  /** The envelope of {@code r}, or null after sending an unreadable record to the dead-letter topic. */
  private JobEnvelope parse(ConsumerRecord<String, byte[]> r) {
    JobEnvelope job = tryParse(r);
    if (job == null) {
      deadLetter(r, "unreadable job envelope: "
          + (r.value() == null ? "no value" : "not a lumina.cluster.v1.JobEnvelope with a job_id"));
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

  private void finishCurrent() {
    Map<TopicPartition, Long> first = new HashMap<>();
    Map<TopicPartition, Long> last = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : current) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      first.merge(tp, r.offset(), Math::min);
      last.merge(tp, r.offset(), Math::max);
    }
    try {
      currentJob.get();
      last.forEach((tp, offset) -> commit(tp, offset + 1));
    } catch (ExecutionException e) {
      // A terminal event is not durable: leave the offsets and take the jobs again.
      LOG.warn("jobs at {} not recorded, will run again: {}", first, e.getCause().toString());
      first.forEach((tp, offset) -> {
        if (consumer.assignment().contains(tp)) {
          consumer.seek(tp, offset);
        }
        pending.removeIf(p -> p.topic().equals(tp.topic()) && p.partition() == tp.partition());
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
    current = List.of();
    currentJob = null;
    if (pending.isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  private void deadLetter(ConsumerRecord<String, byte[]> r, String reason) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    try {
      events.deadLetter(r.key(), r.value() == null ? new byte[0] : r.value(), r.topic(), r.offset(), reason);
      LOG.warn("record {}@{} sent to the dead-letter topic: {}", tp, r.offset(), reason);
      commit(tp, r.offset() + 1);
    } catch (EventPublishException e) {
      LOG.warn("record {}@{} not dead-lettered, will retry: {}", tp, r.offset(), e.toString());
      consumer.seek(tp, r.offset());
    }
  }

  private void commit(TopicPartition tp, long next) {
    try {
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(next)));
    } catch (CommitFailedException e) {
      // The partition moved to another worker while the job ran; it may run the job again,
      // which job-id idempotency makes harmless.
      LOG.warn("offset {} of {} not committed (partition reassigned): {}", next, tp, e.getMessage());
    } catch (KafkaException e) {
      if (e instanceof WakeupException) {
        throw e;
      }
      LOG.warn("offset {} of {} not committed: {}", next, tp, e.toString());
    }
  }

  /** Keeps new partitions paused while a job runs; forgets records of partitions taken away. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (currentJob != null || !pending.isEmpty()) {
        consumer.pause(partitions);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      onPartitionsRevoked(partitions);
    }
  }
}
