package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import org.junit.jupiter.api.Test;

class JobsTest {
  private final JobEnvelope env =
      JobEnvelope.newBuilder()
          .setJobId("t1-abc")
          .setTenant("t1")
          .setTokenBudget(4160)
          .setTier("s")
          .setAcceptedAtMs(1234)
          .setSeed(9)
          .setRequest(
              GenerateRequest.newBuilder()
                  .setRequestId("r-1")
                  .setModel("lumina-tiny")
                  .setModality(Modality.VIDEO)
                  .setPrompt("a cat")
                  .setSampling(Sampling.newBuilder().setSteps(30))
                  .putLabels("team", "a"))
          .build();

  @Test
  void baseCarriesIdentityAndPlacement() {
    Job j = Jobs.base(env).build();
    assertThat(j)
        .isEqualTo(
            Job.newBuilder()
                .setJobId("t1-abc")
                .setRequestId("r-1")
                .setModel("lumina-tiny")
                .setModality(Modality.VIDEO)
                .setTokenBudget(4160)
                .setTier("s")
                .setAcceptedAtMs(1234)
                .putLabels("team", "a")
                .build());
  }

  @Test
  void fromEnvelopeAddsStateAndStepCount() {
    Job j = Jobs.fromEnvelope(env, JobState.QUEUED);
    assertThat(j).isEqualTo(Jobs.base(env).setState(JobState.QUEUED).setTotalSteps(30).build());
    assertThat(j.getStep()).isZero();
    assertThat(j.getArtifactsCount()).isZero();
  }
}
