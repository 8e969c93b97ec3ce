package dev.lumina.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.LogThrottle;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ControlMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code lumina.control} (every partition, no consumer group: each worker sees every cancel)
 * and applies cancels to the {@link CancelRegistry}. Starts {@code lookback} in the past so cancels
 * sent shortly before this worker started still apply.
 *
 * <p>Runs on its own thread ({@link #run}); {@link #stop} may be called from any thread.
 */
final class ControlListener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final CancelRegistry cancels;
  private final Clock clock;
  private final Duration lookback;
  private final Duration pollTimeout;
  private final CountDownLatch assigned = new CountDownLatch(1);
  private final LogThrottle unreadableLog = new LogThrottle(Duration.ofSeconds(10));
  private volatile boolean running = true;

  ControlListener(WorkerConfig config, CancelRegistry cancels, Clock clock) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-control");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.cancels = cancels;
    this.clock = clock;
    this.lookback = config.controlLookback();
    this.pollTimeout = config.pollTimeout();
  }

  /** Counted down once the listener reads every partition of {@code lumina.control}. */
  CountDownLatch assigned() {
    return assigned;
  }

  @Override
  public void run() {
    try {
      assign();
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(pollTimeout)) {
          apply(r);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("control listener stopped: cancels no longer reach this worker", e);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void assign() {
    List<PartitionInfo> parts = List.of();
    while (running && parts.isEmpty()) {
      // The topic may not exist yet; partitionsFor returns empty (or creates it where allowed).
      parts = consumer.partitionsFor(Topics.CONTROL, pollTimeout.multipliedBy(5));
    }
    if (!running) {
      return;
    }
    List<TopicPartition> tps =
        parts.stream().map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
    consumer.assign(tps);
    Map<TopicPartition, Long> times = new HashMap<>();
    long from = clock.millis() - lookback.toMillis();
    tps.forEach(tp -> times.put(tp, from));
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
    for (TopicPartition tp : tps) {
      OffsetAndTimestamp o = offsets.get(tp);
      if (o != null) {
        consumer.seek(tp, o.offset());
      } else {
        consumer.seekToEnd(List.of(tp));
      }
      consumer.position(tp);
    }
    assigned.countDown();
  }

  private void apply(ConsumerRecord<String, byte[]> r) {
    try {
      ControlMessage m = ControlMessage.parseFrom(r.value());
      if (m.hasCancel() && !m.getJobId().isEmpty()) {
        LOG.info("cancel for job {}", m.getJobId());
        cancels.cancel(m.getJobId());
      }
    } catch (InvalidProtocolBufferException e) {
      // Every worker reads all of lumina.control: skip the record rather than dead-letter it once
      // per worker.
      long suppressed = unreadableLog.admit(r.topic());
      if (suppressed >= 0) {
        LOG.warn(
            "ignoring unreadable control record at {}-{}@{} ({} more not logged)",
            r.topic(),
            r.partition(),
            r.offset(),
            suppressed);
      }
    }
  }

  void stop() {
    running = false;
    consumer.wakeup();
  }
}
