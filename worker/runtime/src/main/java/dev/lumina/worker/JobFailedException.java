package dev.lumina.worker;

import io.grpc.Status;

/**
 * A job could not be completed. {@link #code()} is the gRPC status code the client sees; {@link
 * #poison()} says the job itself is at fault (bad parameters, a model that cannot serve it) so
 * running it again would fail again: such jobs also go to {@code lumina.dead-letter}.
 */
public final class JobFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final boolean poison;

  public JobFailedException(Status.Code code, String message, boolean poison, Throwable cause) {
    super(message, cause);
    if (code == null || code == Status.Code.OK) {
      throw new IllegalArgumentException("a failed job needs a non-OK status code, got " + code);
    }
    this.code = code;
    this.poison = poison;
  }

  /** A failure caused by the job's own parameters (poison). */
  public static JobFailedException invalid(String message) {
    return new JobFailedException(Status.Code.INVALID_ARGUMENT, message, true, null);
  }

  public Status.Code code() {
    return code;
  }

  public boolean poison() {
    return poison;
  }
}
