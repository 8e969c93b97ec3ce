package dev.lumina.worker;

/** The job was cancelled while it ran; it ends in state CANCELLED. Not retriable. */
public final class JobCancelledException extends Exception {
  private static final long serialVersionUID = 1L;

  public JobCancelledException() {
    super("job cancelled", null, false, false);
  }
}
