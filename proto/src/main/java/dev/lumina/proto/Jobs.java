package dev.lumina.proto;

import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;

/** The public {@link Job} view of a job, built from the envelope it travels in. */
public final class Jobs {
  private Jobs() {}

  /**
   * The job's identity and placement: id, request id, model, modality, token budget, tier, accepted
   * time and labels. State, progress, timings and artifacts are left for the caller.
   */
  public static Job.Builder base(JobEnvelope env) {
    GenerateRequest req = env.getRequest();
    return Job.newBuilder()
        .setJobId(env.getJobId())
        .setRequestId(req.getRequestId())
        .setModel(req.getModel())
        .setModality(req.getModality())
        .setTokenBudget(env.getTokenBudget())
        .setTier(env.getTier())
        .setAcceptedAtMs(env.getAcceptedAtMs())
        .putAllLabels(req.getLabelsMap());
  }

  /**
   * A job that has not started: {@link #base} in {@code state}, with the resolved request's step
   * count.
   */
  public static Job fromEnvelope(JobEnvelope env, JobState state) {
    return base(env)
        .setState(state)
        .setTotalSteps(env.getRequest().getSampling().getSteps())
        .build();
  }
}
