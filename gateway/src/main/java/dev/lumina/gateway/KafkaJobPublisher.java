package dev.lumina.gateway;

import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.kafka.Producers;
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
 * broker's acknowledgement of each record (bounded by {@code timeout}). Thread-safe (the Kafka
 * producer is).
 */
final class KafkaJobPublisher implements JobPublisher {
  private volatile KafkaClientMetrics clientMetrics;

  private final KafkaProducer<String, byte[]> producer;
  private final Duration timeout;

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
    // In this order: were both sent at once, a broker outage could keep the request and let the
    // event through, leaving a job every gateway reports QUEUED that no scheduler ever sees.
    await(send(Topics.REQUESTS, key, envelope.toByteArray()), Topics.REQUESTS);
    await(send(Topics.EVENTS, key, queued.toByteArray()), Topics.EVENTS);
  }

  @Override
  public void republishJob(JobEnvelope envelope) {
    await(send(Topics.REQUESTS, envelope.getJobId(), envelope.toByteArray()), Topics.REQUESTS);
  }

  @Override
  public void publishControl(ControlMessage message) {
    await(send(Topics.CONTROL, message.getJobId(), message.toByteArray()), Topics.CONTROL);
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
