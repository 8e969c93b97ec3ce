package dev.lumina.deploy.bench;

/**
 * One measured job, as the client saw it.
 *
 * @param acceptedMs request sent to the {@code accepted} chunk received
 * @param endToEndMs request sent to the {@code completed} chunk received
 * @param modelMs text encoding + sampling, as the worker reported in {@code Completed.timings}
 * @param decodeMs decoding and artifact writes, as the worker reported
 * @param queuedMs the gateway's accept time to the worker's start ({@code
 *     Completed.timings.queued_ms}): the accept's durable writes, placement and the worker picking
 *     the job up
 * @param workerTotalMs the gateway's accept time to the worker's end of the job ({@code total_ms})
 * @param firstChunkMs request sent to the first chunk from the worker (progress, usually)
 * @param workerStartMs when the worker started the job, on the client's monotonic clock (ms): the
 *     request's send time plus {@code queuedMs}, so the jobs of one run can be laid side by side
 */
public record JobSample(
    double acceptedMs,
    double endToEndMs,
    long modelMs,
    long decodeMs,
    long queuedMs,
    long workerTotalMs,
    double firstChunkMs,
    double workerStartMs) {

  public JobSample {
    if (acceptedMs < 0 || endToEndMs < acceptedMs) {
      throw new IllegalArgumentException(
          "need 0 <= acceptedMs <= endToEndMs, got " + acceptedMs + ", " + endToEndMs);
    }
  }

  /** What the cluster itself added: end to end minus the worker's model and decode time. */
  public double overheadMs() {
    return endToEndMs - modelMs - decodeMs;
  }

  /** Time in the worker besides model and decode: starting the job, chunk hand-off, its end. */
  public double inWorkerMs() {
    return Math.max(0, workerTotalMs - queuedMs - modelMs - decodeMs);
  }

  /**
   * The rest of end to end: the request reaching the gateway and the {@code completed} chunk
   * reaching the client (clocks of one machine; never below zero).
   */
  public double deliveryMs() {
    return Math.max(0, endToEndMs - workerTotalMs);
  }
}
