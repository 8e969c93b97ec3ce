package dev.lumina.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.LogThrottle;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.kafka.Followers;
import dev.lumina.proto.v1.GenerationChunk;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code lumina.events} (job state and durable chunks, into the {@link JobTable}), {@code
 * lumina.chunks} (every chunk of every running job, as workers relay them) and {@code
 * lumina.models} (the {@link ModelCatalog}) from the beginning, with no consumer group: every
 * gateway reads everything. Reads committed records only, so aborted scheduler transactions are
 * never seen. Partitions are fixed at start.
 *
 * <p>Owns one named thread ({@code lumina-gateway-follower}); {@link #close} stops and joins it.
 */
final class ClusterFollower implements AutoCloseable {
  private volatile KafkaClientMetrics clientMetrics;

  private static final Logger log = LoggerFactory.getLogger(ClusterFollower.class);
  private final KafkaConsumer<String, byte[]> consumer;
  private final JobTable table;
  private final ModelCatalog catalog;
  private final Thread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final LogThrottle malformedLog = new LogThrottle(Duration.ofSeconds(10));
  private volatile boolean running = true;

  ClusterFollower(String bootstrap, String clientId, JobTable table, ModelCatalog catalog) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Followers.fetchSettings(p);
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.table = table;
    this.catalog = catalog;
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : List.of(Topics.EVENTS, Topics.MODELS, Topics.CHUNKS)) {
      consumer
          .partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    this.thread = new Thread(this::run, "lumina-gateway-follower");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Waits until the records present at start have been applied; false on timeout. */
  boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void run() {
    try {
      var end = consumer.endOffsets(consumer.assignment());
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          apply(r);
        }
        if (caughtUp.getCount() > 0
            && end.entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop.
    } catch (RuntimeException e) {
      log.error("gateway stopped following the cluster topics", e);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> r) {
    try {
      if (r.topic().equals(Topics.CHUNKS)) {
        if (r.value() != null) {
          table.onRelayedChunk(GenerationChunk.parseFrom(r.value()));
        }
      } else if (r.topic().equals(Topics.EVENTS)) {
        if (r.value() != null) {
          JobEvent e = JobEvent.parseFrom(r.value());
          if (e.getJobId().isEmpty()) {
            skip(r, "a lumina.cluster.v1.JobEvent without job_id");
          } else {
            table.onEvent(e);
          }
        }
      } else if (r.value() == null || r.value().length == 0) {
        catalog.remove(r.key());
      } else {
        catalog.put(ModelCard.parseFrom(r.value()));
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      skip(r, e.getMessage());
    }
  }

  /**
   * Every gateway replays these topics from the start, so a malformed record is skipped (a dead
   * letter per gateway and restart would only repeat it), with one WARN per topic per 10 s.
   */
  private void skip(ConsumerRecord<String, byte[]> r, String reason) {
    long suppressed = malformedLog.admit(r.topic());
    if (suppressed >= 0) {
      log.warn(
          "skipping malformed record {}-{}@{}: {} ({} more malformed records on {} not logged)",
          r.topic(),
          r.partition(),
          r.offset(),
          reason,
          suppressed,
          r.topic());
    }
  }

  /**
   * Reports this client's own metrics (Kafka's, through Micrometer's binder) to {@code registry}.
   */
  void bindMetrics(MeterRegistry registry) {
    KafkaClientMetrics m = new KafkaClientMetrics(consumer);
    m.bindTo(registry);
    clientMetrics = m;
  }

  @Override
  public void close() {
    if (clientMetrics != null) {
      clientMetrics.close();
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
