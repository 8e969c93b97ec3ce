package dev.lumina.proto;

import dev.lumina.proto.v1.JobState;
import io.grpc.Status;

/**
 * How a job's end state and the gRPC status code it ends with map to each other: OK is SUCCEEDED,
 * CANCELLED is CANCELLED, DEADLINE_EXCEEDED is EXPIRED, every other code is FAILED. The code names
 * travel in {@code Job.error_code} and {@code Failed.code}.
 */
public final class JobStates {
  private JobStates() {}

  /** True for the states a job does not leave: SUCCEEDED, FAILED, CANCELLED and EXPIRED. */
  public static boolean isTerminal(JobState state) {
    return state == JobState.SUCCEEDED
        || state == JobState.FAILED
        || state == JobState.CANCELLED
        || state == JobState.EXPIRED;
  }

  /** The state a job ends in with {@code code}. */
  public static JobState of(Status.Code code) {
    return code == Status.Code.OK ? JobState.SUCCEEDED : ofFailure(code.name());
  }

  /**
   * The state a job ends in when it fails with the status code named {@code code} (as in {@code
   * Failed.code}): CANCELLED, EXPIRED for DEADLINE_EXCEEDED, FAILED for any other name.
   */
  public static JobState ofFailure(String code) {
    if (Status.Code.CANCELLED.name().equals(code)) {
      return JobState.CANCELLED;
    }
    if (Status.Code.DEADLINE_EXCEEDED.name().equals(code)) {
      return JobState.EXPIRED;
    }
    return JobState.FAILED;
  }

  /**
   * The status code of a job that ended in {@code state}: OK for SUCCEEDED, CANCELLED,
   * DEADLINE_EXCEEDED for EXPIRED, INTERNAL for FAILED (and for a state that is not an end).
   */
  public static Status.Code code(JobState state) {
    return switch (state) {
      case SUCCEEDED -> Status.Code.OK;
      case CANCELLED -> Status.Code.CANCELLED;
      case EXPIRED -> Status.Code.DEADLINE_EXCEEDED;
      default -> Status.Code.INTERNAL;
    };
  }
}
