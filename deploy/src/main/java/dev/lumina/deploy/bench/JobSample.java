package dev.lumina.deploy.bench;

/**
 * One measured job, as the client saw it.
 *
 * @param acceptedMs request sent to the {@code accepted} chunk received
 * @param endToEndMs request sent to the {@code completed} chunk received
 * @param modelMs text encoding + sampling, as the worker reported in {@code Completed.timings}
 * @param decodeMs decoding and artifact writes, as the worker reported
 */
public record JobSample(double acceptedMs, double endToEndMs, long modelMs, long decodeMs) {

  public JobSample {
    if (acceptedMs < 0 || endToEndMs < acceptedMs) {
      throw new IllegalArgumentException("need 0 <= acceptedMs <= endToEndMs, got " + acceptedMs + ", " + endToEndMs);
    }
  }

  /** What the cluster itself added: end to end minus the worker's model and decode time. */
  public double overheadMs() {
    return endToEndMs - modelMs - decodeMs;
  }
}
