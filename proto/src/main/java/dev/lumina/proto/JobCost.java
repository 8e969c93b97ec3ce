package dev.lumina.proto;

import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.Sampling;

/**
 * How much work a job is, in the one unit the cluster queues and sheds by: estimated seconds of
 * model time, {@code tokens × model evaluations × seconds per token evaluation}, where a model
 * evaluation is one forward of one row (steps × solver stages, twice with classifier-free
 * guidance). The scheduler publishes the sum per work topic to {@code lumina.queue-depth} (the
 * autoscaling signal); the gateway limits the same sum per tenant and per tier. Stateless.
 */
public final class JobCost {
  /** Default seconds of one token through one model evaluation (a mid-size GPU, order of). */
  public static final double DEFAULT_SECONDS_PER_TOKEN_EVAL = 2e-6;

  private JobCost() {}

  /** Forwards of one row the sampler makes: steps × solver stages (× 2 with guidance). */
  public static long modelEvaluations(Sampling s) {
    int stages =
        switch (s.getSolver()) {
          case MIDPOINT -> 2;
          case RK4 -> 4;
          case DOPRI5 -> 6;
          default -> 1;
        };
    int cfg = s.getCfgScale() > 1f ? 2 : 1;
    return (long) Math.max(1, s.getSteps()) * stages * cfg;
  }

  /** Estimated model seconds of {@code env} (its token budget through every evaluation). */
  public static double estimatedSeconds(JobEnvelope env, double secondsPerTokenEval) {
    return (double) env.getTokenBudget()
        * modelEvaluations(env.getRequest().getSampling())
        * secondsPerTokenEval;
  }
}
