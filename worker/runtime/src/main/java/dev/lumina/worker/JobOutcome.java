package dev.lumina.worker;

/**
 * How one job of a batch ended: exactly one of a result, a failure, or cancelled.
 *
 * @param result the outputs when the job succeeded, else null
 * @param failure why the job failed, else null
 * @param cancelled the job was cancelled while it ran
 */
public record JobOutcome(JobResult result, JobFailedException failure, boolean cancelled) {
  public JobOutcome {
    int set = (result != null ? 1 : 0) + (failure != null ? 1 : 0) + (cancelled ? 1 : 0);
    if (set != 1) {
      throw new IllegalArgumentException(
          "exactly one of result, failure and cancelled must be set");
    }
  }

  public static JobOutcome succeeded(JobResult result) {
    return new JobOutcome(result, null, false);
  }

  public static JobOutcome failed(JobFailedException failure) {
    return new JobOutcome(null, failure, false);
  }

  public static JobOutcome ofCancelled() {
    return new JobOutcome(null, null, true);
  }
}
