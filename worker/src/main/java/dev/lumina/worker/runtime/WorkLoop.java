package dev.lumina.worker.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
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
 * max.poll.records=1}, manual commits, and every assigned partition paused while a job runs — the
 * loop keeps calling {@code poll()} (so the worker stays in the group however long the job takes)
 * but receives no new record until the job has ended.
 *
 * <p>Per record: parse the envelope (unreadable → dead letter), run the job on the job thread
 * ({@link JobRunner}), publish its terminal event durably, and only then commit the record's
 * offset. If the terminal event cannot be made durable the offset is not committed: the consumer
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
  private final JobEventSink events;
  private final CancelRegistry cancels;
  private final ExecutorService jobThread;
  private final Deque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
  private volatile boolean admitting = true;
  private volatile boolean stopped;
  private ConsumerRecord<String, byte[]> current;
  private Future<?> currentJob;

  WorkLoop(
      WorkerConfig config,
      JobRunner runner,
      JobEventSink events,
      CancelRegistry cancels,
      ExecutorService jobThread) {
    this.config = config;
    this.runner = runner;
    this.events = events;
    this.cancels = cancels;
    this.jobThread = jobThread;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-work");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
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
    JobEnvelope job;
    try {
      job = JobEnvelope.parseFrom(r.value());
      if (job.getJobId().isEmpty()) {
        throw new InvalidProtocolBufferException("job_id is empty");
      }
    } catch (InvalidProtocolBufferException | NullPointerException e) {
      deadLetter(r, "unreadable job envelope: " + e.getMessage());
      return;
    }
    consumer.pause(consumer.assignment());
    CancelToken cancel = cancels.register(job.getJobId());
    current = r;
    currentJob =
        jobThread.submit(
            () -> {
              try {
                events.running(runner.runningEvent(job));
                JobRunner.Outcome outcome = runner.run(job, cancel);
                events.terminal(outcome.terminal());
                if (outcome.deadLetterReason() != null) {
                  events.deadLetter(
                      r.key(), r.value(), r.topic(), r.offset(), outcome.deadLetterReason());
                }
                return null;
              } finally {
                cancels.release(job.getJobId());
              }
            });
  }

  private void finishCurrent() {
    ConsumerRecord<String, byte[]> r = current;
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    try {
      currentJob.get();
      commit(tp, r.offset() + 1);
    } catch (ExecutionException e) {
      // The terminal event is not durable: leave the offset and take the job again.
      LOG.warn("job at {}@{} not recorded, will run again: {}", tp, r.offset(), e.getCause().toString());
      if (consumer.assignment().contains(tp)) {
        consumer.seek(tp, r.offset());
      }
      pending.removeIf(p -> p.topic().equals(r.topic()) && p.partition() == r.partition());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
    current = null;
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
