package dev.lumina.deploy.cli;

import dev.lumina.worker.WorkerConfig;
import picocli.CommandLine.Option;

/**
 * {@code --max-batch} and {@code --batch-tokens}: how many jobs a worker runs together and the
 * token budget of the forwards they share (step-level continuous batching), shared by {@code
 * worker} and {@code serve}.
 */
final class BatchingOptions {
  /** Default {@code --max-batch}. */
  static final int DEFAULT_MAX_JOBS = 8;

  /** Default {@code --batch-tokens}: 8 guided jobs of 512 tokens (a 32×32 latent) per forward. */
  static final long DEFAULT_BATCH_TOKENS = 8192;

  /** Largest {@code --batch-tokens}. */
  static final long MAX_BATCH_TOKENS = 1L << 30;

  @Option(
      names = "--max-batch",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_WORKER_MAX_BATCH:-" + DEFAULT_MAX_JOBS + "}",
      description =
          "Most jobs run together: with step batching, jobs at any step sharing forwards; with"
              + " --batch-tokens 0, same-shape jobs taken from one poll (default:"
              + " ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_BATCH_TOKENS:-" + DEFAULT_BATCH_TOKENS + "}",
      description =
          "Step-level continuous batching: the most image tokens (rows × tokens) of one Flag-DiT"
              + " forward shared by the running jobs, each at its own step, solver and guidance;"
              + " a new job starts while the running ones leave room for it and each result is"
              + " the one it gets alone. 0 = off (default: ${DEFAULT-VALUE}; not with --parallel"
              + " or the dopri5 solver, whose jobs run alone).")
  long batchTokens;

  /**
   * Checks both values.
   *
   * @throws IllegalArgumentException naming the flag and its range
   */
  void validate() {
    if (maxBatch < 1 || maxBatch > WorkerConfig.MAX_BATCH) {
      throw new IllegalArgumentException(
          "--max-batch must be in [1, " + WorkerConfig.MAX_BATCH + "], got " + maxBatch);
    }
    if (batchTokens < 0 || batchTokens > MAX_BATCH_TOKENS) {
      throw new IllegalArgumentException(
          "--batch-tokens must be in [0, " + MAX_BATCH_TOKENS + "], got " + batchTokens);
    }
  }
}
