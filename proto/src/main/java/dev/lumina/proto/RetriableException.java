package dev.lumina.proto;

/**
 * A failure that may go away if the same operation is tried again unchanged: a broker that did not
 * acknowledge in time, a store that is full or unreachable, a gateway that went away mid-stream.
 * Whether a failure is retriable is its type, never a flag, so callers decide by {@code catch}: a
 * subclass of this is worth another attempt (later, or elsewhere); any other exception is not.
 */
public abstract class RetriableException extends Exception {
  private static final long serialVersionUID = 1L;

  protected RetriableException(String message, Throwable cause) {
    super(message, cause);
  }
}
