package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.v1.JobState;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatesTest {
  private static final List<JobState> ENDS =
      List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED);

  @Test
  void everyEndStateRoundTripsThroughItsStatusCode() {
    for (JobState s : ENDS) {
      assertThat(JobStates.of(JobStates.code(s))).as("%s", s).isEqualTo(s);
    }
    for (JobState s : List.of(JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED)) {
      assertThat(JobStates.ofFailure(JobStates.code(s).name())).as("%s", s).isEqualTo(s);
    }
  }

  @Test
  void codesOfTheEndStates() {
    assertThat(JobStates.code(JobState.SUCCEEDED)).isEqualTo(Status.Code.OK);
    assertThat(JobStates.code(JobState.CANCELLED)).isEqualTo(Status.Code.CANCELLED);
    assertThat(JobStates.code(JobState.EXPIRED)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(JobStates.code(JobState.FAILED)).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void everyOtherCodeIsAFailure() {
    assertThat(JobStates.of(Status.Code.OK)).isEqualTo(JobState.SUCCEEDED);
    assertThat(JobStates.of(Status.Code.RESOURCE_EXHAUSTED)).isEqualTo(JobState.FAILED);
    assertThat(JobStates.of(Status.Code.INVALID_ARGUMENT)).isEqualTo(JobState.FAILED);
    assertThat(JobStates.ofFailure("RESOURCE_EXHAUSTED")).isEqualTo(JobState.FAILED);
    assertThat(JobStates.ofFailure("no such code")).isEqualTo(JobState.FAILED);
    assertThat(JobStates.ofFailure(null)).isEqualTo(JobState.FAILED);
    // A failure is never a success, whatever its code says.
    assertThat(JobStates.ofFailure("OK")).isEqualTo(JobState.FAILED);
  }

  @Test
  void onlyEndStatesAreTerminal() {
    for (JobState s : JobState.values()) {
      assertThat(JobStates.isTerminal(s)).as("%s", s).isEqualTo(ENDS.contains(s));
    }
  }
}
