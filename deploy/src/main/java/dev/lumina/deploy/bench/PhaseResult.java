package dev.lumina.deploy.bench;

import java.util.List;

/**
 * One phase of {@link ClusterBenchmark}: its jobs' latencies and its rate.
 *
 * @param name phase label in the table
 * @param clients concurrent clients
 * @param completed jobs that completed
 * @param failed jobs that ended any other way (refused, failed, cancelled, timed out)
 * @param wallSeconds phase duration
 * @param accepted time to accepted
 * @param endToEnd time to completed
 * @param overhead end to end minus the worker's model and decode time
 * @param modelAndDecode the worker's model + decode time
 * @param queued the gateway's accept time to the worker's start ({@link JobSample#queuedMs})
 * @param inWorker the worker's own time besides model and decode ({@link JobSample#inWorkerMs})
 * @param delivery end to end minus the worker's total ({@link JobSample#deliveryMs})
 * @param firstChunk time to the first chunk from the worker
 * @param workerSeconds the workers' model + decode seconds over the phase, summed
 * @param busySeconds how long some job was in its model or decode: the union of the jobs'
 *     model+decode intervals, so jobs that share forwards count once
 * @param spanSeconds from the first job's worker start to the last job's model+decode end: the time
 *     the phase had work in the worker (the clients' ramp-up before it and the delivery of the last
 *     result after it are not)
 * @param jitSeconds how long the JIT compiled during the phase (on the CPUs the cluster shares)
 */
public record PhaseResult(
    String name,
    int clients,
    int completed,
    int failed,
    double wallSeconds,
    LatencyStats accepted,
    LatencyStats endToEnd,
    LatencyStats overhead,
    LatencyStats modelAndDecode,
    LatencyStats queued,
    LatencyStats inWorker,
    LatencyStats delivery,
    LatencyStats firstChunk,
    double workerSeconds,
    double busySeconds,
    double spanSeconds,
    double jitSeconds) {

  /** Summarises {@code samples} (the completed jobs). */
  public static PhaseResult of(
      String name,
      int clients,
      List<JobSample> samples,
      int failed,
      double wallSeconds,
      double jitSeconds) {
    return new PhaseResult(
        name,
        clients,
        samples.size(),
        failed,
        wallSeconds,
        LatencyStats.of(samples.stream().mapToDouble(JobSample::acceptedMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::endToEndMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::overheadMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(s -> s.modelMs() + s.decodeMs()).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::queuedMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::inWorkerMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::deliveryMs).toArray()),
        LatencyStats.of(samples.stream().mapToDouble(JobSample::firstChunkMs).toArray()),
        samples.stream().mapToDouble(s -> s.modelMs() + s.decodeMs()).sum() / 1000.0,
        busyMs(samples) / 1000.0,
        spanMs(samples) / 1000.0,
        jitSeconds);
  }

  /** Length of the union of the samples' [worker start, + model + decode] intervals. */
  static double busyMs(List<JobSample> samples) {
    List<JobSample> byStart =
        samples.stream()
            .sorted(java.util.Comparator.comparingDouble(JobSample::workerStartMs))
            .toList();
    double total = 0;
    double from = 0;
    double to = 0;
    boolean open = false;
    for (JobSample s : byStart) {
      double start = s.workerStartMs();
      double end = start + s.modelMs() + s.decodeMs();
      if (!open || start > to) {
        total += to - from;
        from = start;
        to = end;
        open = true;
      } else {
        to = Math.max(to, end);
      }
    }
    return total + (to - from);
  }

  /** From the earliest worker start to the latest model+decode end of the samples. */
  static double spanMs(List<JobSample> samples) {
    double from = Double.POSITIVE_INFINITY;
    double to = Double.NEGATIVE_INFINITY;
    for (JobSample s : samples) {
      from = Math.min(from, s.workerStartMs());
      to = Math.max(to, s.workerStartMs() + s.modelMs() + s.decodeMs());
    }
    return samples.isEmpty() ? 0 : to - from;
  }

  /**
   * The share of the worker's span ({@link #spanSeconds}) during which it ran some job's model or
   * decode (1 = never idle between its first start and its last end; jobs batched together count
   * once). With several workers, the share during which at least one of them did.
   */
  public double busyFraction() {
    return spanSeconds <= 0 ? 0 : Math.min(1, busySeconds / spanSeconds);
  }

  /** Completed jobs per second over the phase. */
  public double jobsPerSecond() {
    return wallSeconds <= 0 ? 0 : completed / wallSeconds;
  }
}
