package dev.lumina.worker;

import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.kafka.Producers;
import dev.lumina.proto.v1.GenerationChunk;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link JobEventSink} on Kafka: idempotent producer with {@code acks=all} and a {@value
 * #LINGER_MS} ms linger, key = job id; a terminal event's future completes on the broker's
 * acknowledgement, dead letters wait for it (both bounded by the timeout). Thread-safe.
 */
final class KafkaJobEventSink implements JobEventSink {
  private volatile KafkaClientMetrics clientMetrics;

  private static final Logger LOG = LoggerFactory.getLogger(KafkaJobEventSink.class);

  /**
   * {@code linger.ms} of the events producer (at most a quarter of the timeout): RUNNING, relayed
   * chunks and terminal events of the jobs running together, and of a job's own end (last chunk
   * relay + terminal event), share produce requests. None of them is on a client's path (chunks
   * reach the accepting gateway by push; the wait delays other gateways' views, the release slot
   * RUNNING frees and the offset commit, by at most this). In the capacity phase of {@code bench
   * cluster} it takes produce requests per job from 1.8 to 1.0 and raises jobs/s by about 15 %.
   */
  static final int LINGER_MS = 5;

  private final KafkaProducer<String, byte[]> producer;
  private final Duration timeout;

  KafkaJobEventSink(String bootstrap, String clientId, Duration timeout) {
    this.producer = Producers.create(properties(bootstrap, clientId, timeout));
    this.timeout = timeout;
  }

  /** The events producer's properties: {@link Producers#idempotent} with the linger and size. */
  static Properties properties(String bootstrap, String clientId, Duration timeout) {
    // delivery.timeout.ms (the timeout) must cover linger.ms + request.timeout.ms.
    Properties p =
        Producers.idempotent(
            bootstrap,
            clientId,
            timeout,
            Duration.ofMillis(Math.min(timeout.toMillis() / 2, 30_000)));
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
    p.put(ProducerConfig.LINGER_MS_CONFIG, (int) Math.min(LINGER_MS, timeout.toMillis() / 4));
    return p;
  }

  @Override
  public void running(JobEvent event) {
    try {
      producer.send(
          new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray()),
          (md, e) -> {
            if (e != null) {
              LOG.warn("job {}: RUNNING event not recorded: {}", event.getJobId(), e.toString());
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("job {}: RUNNING event not sent: {}", event.getJobId(), e.toString());
    }
  }

  @Override
  public void chunk(GenerationChunk chunk) {
    try {
      producer.send(
          new ProducerRecord<>(Topics.CHUNKS, chunk.getJobId(), chunk.toByteArray()),
          (md, e) -> {
            if (e != null) {
              LOG.warn(
                  "job {}: chunk {} not relayed to {}: {}",
                  chunk.getJobId(),
                  chunk.getSeq(),
                  Topics.CHUNKS,
                  e.toString());
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("job {}: chunk {} not relayed: {}", chunk.getJobId(), chunk.getSeq(), e.toString());
    }
  }

  @Override
  public CompletableFuture<Void> terminal(JobEvent event) {
    CompletableFuture<Void> durable = new CompletableFuture<>();
    try {
      // delivery.timeout.ms is the sink's timeout: the callback comes within it either way.
      producer.send(
          new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray()),
          (md, e) -> {
            if (e == null) {
              durable.complete(null);
            } else {
              durable.completeExceptionally(
                  new EventPublishException("cannot write to " + Topics.EVENTS + ": " + e, e));
            }
          });
    } catch (RuntimeException e) {
      durable.completeExceptionally(
          new EventPublishException("cannot write to " + Topics.EVENTS + ": " + e, e));
    }
    return durable;
  }

  @Override
  public void deadLetter(String key, byte[] value, String sourceTopic, long offset, String error)
      throws EventPublishException {
    ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.DEAD_LETTER, key, value);
    r.headers().add("lumina.error", error.getBytes(StandardCharsets.UTF_8));
    r.headers().add("lumina.source.topic", sourceTopic.getBytes(StandardCharsets.UTF_8));
    r.headers().add("lumina.source.offset", Long.toString(offset).getBytes(StandardCharsets.UTF_8));
    await(r);
  }

  private void await(ProducerRecord<String, byte[]> r) throws EventPublishException {
    try {
      producer.send(r).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventPublishException("interrupted while writing to " + r.topic(), e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new EventPublishException(
          "cannot write to " + r.topic() + " within " + timeout.toMillis() + " ms: " + e, e);
    }
  }

  /**
   * Reports this client's own metrics (Kafka's, through Micrometer's binder) to {@code registry}.
   */
  void bindMetrics(MeterRegistry registry) {
    KafkaClientMetrics m = new KafkaClientMetrics(producer);
    m.bindTo(registry);
    clientMetrics = m;
  }

  @Override
  public void close() {
    if (clientMetrics != null) {
      clientMetrics.close();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
