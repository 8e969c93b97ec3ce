package dev.lumina.worker;

/**
 * The worker could not start (broker unreachable, topics missing). Retriable once the cause is
 * fixed.
 */
public final class WorkerStartException extends Exception {
  private static final long serialVersionUID = 1L;

  public WorkerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
