package dev.lumina.engine.parallel;

/**
 * A collective call that cannot complete: a peer failed, left, or did not arrive before the
 * deadline. The group is then unusable; like every production shard group, the caller recreates it
 * and retries the job.
 */
public final class CollectiveException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }

  public CollectiveException(String message) {
    super(message);
  }
}
