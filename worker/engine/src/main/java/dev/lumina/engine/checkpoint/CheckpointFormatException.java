package dev.lumina.engine.checkpoint;

/**
 * A checkpoint file or directory is malformed, incomplete or does not match the model: the message
 * names the file, the tensor key and the expected value. Not retriable: the same files fail again.
 */
public final class CheckpointFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CheckpointFormatException(String message) {
    super(message);
  }

  public CheckpointFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
