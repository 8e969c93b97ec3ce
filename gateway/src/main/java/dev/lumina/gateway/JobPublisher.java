package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;

/**
 * Where the gateway hands jobs to the cluster. Each method returns only once the records are
 * durable (acknowledged by every in-sync replica), or throws {@link PublishException}.
 *
 * <p>Implementations are thread-safe.
 */
interface JobPublisher extends AutoCloseable {

  /** Publishes the job to {@code lumina.requests} and its QUEUED event to {@code lumina.events}. */
  void publishJob(JobEnvelope envelope, JobEvent queued);

  /** Publishes a command to {@code lumina.control}. */
  void publishControl(ControlMessage message);

  @Override
  void close();

  /** The cluster did not take the records; retryable by the client ({@code UNAVAILABLE}). */
  final class PublishException extends RuntimeException {
    PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
