package dev.lumina.worker;

import dev.lumina.proto.RetriableException;

/**
 * A record for {@code lumina.events} or {@code lumina.dead-letter} could not be made durable.
 * Retriable: the job's offset stays uncommitted, so the job runs again.
 */
final class EventPublishException extends RetriableException {
  private static final long serialVersionUID = 1L;

  EventPublishException(String message, Throwable cause) {
    super(message, cause);
  }
}
