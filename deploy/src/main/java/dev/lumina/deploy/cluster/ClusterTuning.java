package dev.lumina.deploy.cluster;

import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.worker.WorkerConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings that trade CPU for latency, passed through the roles' own configs; the defaults are
 * theirs.
 *
 * @param releaseWindow the scheduler's most unstarted jobs per work topic
 * @param workerPoll the worker's longest {@code poll()} while idle
 * @param maxBatch most jobs the worker runs together (same-shape batches, or with {@code
 *     batchTokens} jobs at any step)
 * @param batchTokens the worker's step-batching budget per forward (0: off)
 */
public record ClusterTuning(
    int releaseWindow, Duration workerPoll, int maxBatch, long batchTokens) {
  /** Every role's own default; step batching off. */
  public static final ClusterTuning DEFAULTS =
      new ClusterTuning(
          SchedulerConfig.DEFAULT_RELEASE_WINDOW,
          WorkerConfig.DEFAULT_POLL_TIMEOUT,
          WorkerConfig.DEFAULT_MAX_BATCH,
          0);

  public ClusterTuning {
    Objects.requireNonNull(workerPoll, "workerPoll");
    if (batchTokens < 0) {
      throw new IllegalArgumentException("batch tokens must be >= 0, got " + batchTokens);
    }
  }

  /** {@code maxBatch} jobs at once sharing forwards of {@code batchTokens} tokens. */
  public ClusterTuning withStepBatching(int maxBatch, long batchTokens) {
    return new ClusterTuning(releaseWindow, workerPoll, maxBatch, batchTokens);
  }
}
