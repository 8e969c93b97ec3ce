package dev.lumina.gateway;

import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.kafka.Producers;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * {@link JobPublisher} on Kafka: idempotent producer, {@code acks=all}, key = job id. Waits for the
 * broker's acknowledgement of each record (bounded by {@code timeout}); the producer itself retries
 * a send until then (idempotence keeps a retried record single).
 *
 * <p>Behind a Resilience4j {@link CircuitBreaker}: once half of the last {@value #WINDOW} publishes
 * (at least {@value #MIN_CALLS}) failed, the broker counts as down and every publish fails at once
 * for {@link #OPEN_WAIT} (UNAVAILABLE with that retry delay) instead of each waiting out its
 * timeout; then a few trial publishes decide whether it closes again. Thread-safe (the Kafka
 * producer and the breaker are).
 */
final class KafkaJobPublisher implements JobPublisher {
  private volatile KafkaClientMetrics clientMetrics;

  static final int WINDOW = 10;
  static final int MIN_CALLS = 3;
  static final Duration OPEN_WAIT = Duration.ofSeconds(2);

  private final KafkaProducer<String, byte[]> producer;
  private final Duration timeout;
  private final CircuitBreaker breaker =
      CircuitBreaker.of(
          "kafka-publish",
          CircuitBreakerConfig.custom()
              .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
              .slidingWindowSize(WINDOW)
              .minimumNumberOfCalls(MIN_CALLS)
              .failureRateThreshold(50)
              .waitDurationInOpenState(OPEN_WAIT)
              .permittedNumberOfCallsInHalfOpenState(2)
              .recordExceptions(PublishException.class)
              .build());

  KafkaJobPublisher(String bootstrap, String clientId, Duration timeout) {
    this.producer =
        Producers.create(
            Producers.idempotent(
                bootstrap,
                clientId,
                timeout,
                Duration.ofMillis(Math.min(timeout.toMillis(), 30_000))));
    this.timeout = timeout;
  }

  @Override
  public void publishJob(JobEnvelope envelope, JobEvent queued) {
    String key = envelope.getJobId();
    // Both at once (usually in one produce request), so an accept costs one acknowledgement. If
    // only the event becomes durable, the scheduler places the job from it (reconcile), and a
    // retry with the same request_id sends the request again.
    guarded(
        () -> {
          Future<RecordMetadata> request = send(Topics.REQUESTS, key, envelope.toByteArray());
          Future<RecordMetadata> event = send(Topics.EVENTS, key, queued.toByteArray());
          await(request, Topics.REQUESTS);
          await(event, Topics.EVENTS);
        });
  }

  @Override
  public void republishJob(JobEnvelope envelope) {
    guarded(
        () ->
            await(
                send(Topics.REQUESTS, envelope.getJobId(), envelope.toByteArray()),
                Topics.REQUESTS));
  }

  @Override
  public void publishControl(ControlMessage message) {
    guarded(
        () ->
            await(send(Topics.CONTROL, message.getJobId(), message.toByteArray()), Topics.CONTROL));
  }

  /** The breaker's state, for logs and tests. */
  CircuitBreaker.State breakerState() {
    return breaker.getState();
  }

  private void guarded(Runnable publish) {
    try {
      breaker.executeRunnable(publish);
    } catch (CallNotPermittedException e) {
      throw new PublishException(
          "the broker is unreachable (recent publishes failed); not trying for "
              + OPEN_WAIT.toMillis()
              + " ms",
          e,
          OPEN_WAIT);
    }
  }

  private Future<RecordMetadata> send(String topic, String key, byte[] value) {
    try {
      return producer.send(new ProducerRecord<>(topic, key, value));
    } catch (RuntimeException e) {
      throw new PublishException("cannot publish to " + topic + ": " + e.getMessage(), e);
    }
  }

  private void await(Future<RecordMetadata> f, String topic) {
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted while publishing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new PublishException(
          "cannot publish to " + topic + " within " + timeout.toMillis() + " ms: " + e.getMessage(),
          e);
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
