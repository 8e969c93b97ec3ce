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

  /**
   * Publishes the job to {@code lumina.requests} and its QUEUED event to {@code lumina.events},
   * both at once, and returns once both are durable. When only the event is, the scheduler places
   * the job from it after its reconcile delay (or at once when a retry sends the request again).
   */
  void publishJob(JobEnvelope envelope, JobEvent queued);

  /**
   * Publishes a known, not yet placed job to {@code lumina.requests} again (a resubmission of its
   * request id may follow an accept whose request record was lost). The scheduler ignores a job it
   * has seen.
   */
  void republishJob(JobEnvelope envelope);

  /** Publishes a command to {@code lumina.control}. */
  void publishControl(ControlMessage message);

  @Override
  void close();

  /** The cluster did not take the records; retryable by the client ({@code UNAVAILABLE}). */
  final class PublishException extends RuntimeException {
    /** Suggested wait before a retry when nothing better is known. */
    static final java.time.Duration DEFAULT_RETRY_AFTER = java.time.Duration.ofSeconds(1);

    private final java.time.Duration retryAfter;

    PublishException(String message, Throwable cause) {
      this(message, cause, DEFAULT_RETRY_AFTER);
    }

    PublishException(String message, Throwable cause, java.time.Duration retryAfter) {
      super(message, cause);
      this.retryAfter = retryAfter;
    }

    /** How long a client should wait before it retries. */
    java.time.Duration retryAfter() {
      return retryAfter;
    }
  }
}
