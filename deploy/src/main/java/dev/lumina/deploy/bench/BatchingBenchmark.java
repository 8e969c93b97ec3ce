package dev.lumina.deploy.bench;

import dev.lumina.engine.Generation;
import dev.lumina.engine.Generator;
import dev.lumina.engine.StepListener;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.sampling.Solver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code lumina bench batching}: step-level continuous batching on a real model. The same jobs
 * (same shape, each its own prompt and seed) run one at a time, then arriving one every {@code
 * spread} × a lone job's time, each on its own thread, sharing forwards: throughput of both, each
 * job's latency against a lone job's, and whether every result equals its lone run bit for bit.
 */
public final class BatchingBenchmark {
  private static final List<String> PROMPTS =
      List.of(
          "a red circle",
          "a blue square",
          "a green triangle",
          "a yellow diamond",
          "a purple cube on the left",
          "a white sphere at the top",
          "a big orange square",
          "a small cyan circle in the center");

  /**
   * What to run.
   *
   * @param model the model directory
   * @param jobs concurrent jobs (≥ 2)
   * @param steps sampling steps per job (grid points − 1)
   * @param side latent side of each picture
   * @param spread arrival interval as a fraction of a lone job's time (0 = all at once)
   * @param batchTokens the step batcher's token budget per forward
   */
  public record Settings(
      Path model, int jobs, int steps, int side, double spread, long batchTokens) {
    public Settings {
      if (jobs < 2 || jobs > 64) {
        throw new IllegalArgumentException("--jobs must be in [2, 64], got " + jobs);
      }
      if (steps < 1 || steps > 1000) {
        throw new IllegalArgumentException("--steps must be in [1, 1000], got " + steps);
      }
      if (side < 2 || side > 512) {
        throw new IllegalArgumentException("--side must be in [2, 512], got " + side);
      }
      if (!(spread >= 0) || spread > 10) {
        throw new IllegalArgumentException("--spread must be in [0, 10], got " + spread);
      }
      if (batchTokens < 1) {
        throw new IllegalArgumentException("--batch-tokens must be >= 1, got " + batchTokens);
      }
    }
  }

  /**
   * The figures.
   *
   * @param loneMs median time of one job alone
   * @param sequentialJobsPerSecond jobs/s one at a time
   * @param batchedJobsPerSecond jobs/s with continuous batching, first arrival to last result
   * @param latencyP50Ms median latency (arrival to result) with batching
   * @param latencyMaxMs largest latency with batching
   * @param forwards forwards of the batched phase
   * @param rows rows those forwards held
   * @param identical jobs whose batched result equals their lone result bit for bit
   */
  public record Report(
      int jobs,
      double loneMs,
      double sequentialJobsPerSecond,
      double batchedJobsPerSecond,
      double latencyP50Ms,
      double latencyMaxMs,
      long forwards,
      long rows,
      int identical) {

    /** Batched throughput ÷ one-at-a-time throughput (goal ≥ 2). */
    public double throughputRatio() {
      return batchedJobsPerSecond / sequentialJobsPerSecond;
    }

    /** Median batched latency ÷ a lone job's time (goal ≤ 1.3). */
    public double latencyRatio() {
      return latencyP50Ms / loneMs;
    }
  }

  private BatchingBenchmark() {}

  public static Report run(Settings s, PrintStream out) throws IOException, Exception {
    try (Generator g = Generator.load(s.model())) {
      g.useStepBatching(s.batchTokens());
      List<Generation> jobs = new ArrayList<>();
      for (int i = 0; i < s.jobs(); i++) {
        jobs.add(
            new Generation(
                TokenLayout.image(s.side(), s.side()),
                PROMPTS.get(i % PROMPTS.size()),
                "",
                4f,
                Guidance.ALL_CHANNELS,
                Solver.EULER,
                s.steps() + 1,
                4f,
                1000L + i,
                ForwardOptions.DEFAULT));
      }
      // Warm-up: the first forwards of a fresh engine are slower.
      g.generate(jobs.get(0), StepListener.NONE, () -> false);
      List<float[]> lone = new ArrayList<>();
      double[] loneMs = new double[s.jobs()];
      long t0 = System.nanoTime();
      for (int i = 0; i < s.jobs(); i++) {
        long a = System.nanoTime();
        lone.add(g.generate(jobs.get(i), StepListener.NONE, () -> false).frames().get(0));
        loneMs[i] = (System.nanoTime() - a) / 1e6;
      }
      double sequentialS = (System.nanoTime() - t0) / 1e9;
      double lonePerJob = median(loneMs);
      out.printf(
          Locale.ROOT,
          "one at a time: %d jobs in %.2f s (%.2f jobs/s), a lone job %.1f ms%n",
          s.jobs(),
          sequentialS,
          s.jobs() / sequentialS,
          lonePerJob);

      long[] before = g.stepBatchCounts();
      ExecutorService pool = Executors.newFixedThreadPool(s.jobs());
      double[] latency = new double[s.jobs()];
      int identical = 0;
      double batchedS;
      try {
        List<Future<float[]>> results = new ArrayList<>();
        long start = System.nanoTime();
        long interval = (long) (s.spread() * lonePerJob * 1e6);
        for (int i = 0; i < s.jobs(); i++) {
          long arrival = start + i * interval;
          // Arrivals on a schedule: each job's thread waits for its own arrival time.
          int index = i;
          results.add(
              pool.submit(
                  () -> {
                    long wait = arrival - System.nanoTime();
                    if (wait > 0) {
                      TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    long a = System.nanoTime();
                    float[] f =
                        g.generate(jobs.get(index), StepListener.NONE, () -> false).frames().get(0);
                    latency[index] = (System.nanoTime() - a) / 1e6;
                    return f;
                  }));
        }
        for (int i = 0; i < s.jobs(); i++) {
          if (Arrays.equals(results.get(i).get(30, TimeUnit.MINUTES), lone.get(i))) {
            identical++;
          }
        }
        batchedS = (System.nanoTime() - start) / 1e9;
      } finally {
        pool.shutdownNow();
      }
      long[] after = g.stepBatchCounts();
      Report r =
          new Report(
              s.jobs(),
              lonePerJob,
              s.jobs() / sequentialS,
              s.jobs() / batchedS,
              median(latency),
              Arrays.stream(latency).max().orElse(0),
              after[0] - before[0],
              after[1] - before[1],
              identical);
      out.printf(
          Locale.ROOT,
          "continuous batching: %d jobs arriving every %.0f ms in %.2f s (%.2f jobs/s), %d"
              + " forwards of %.1f rows on average%n",
          s.jobs(),
          s.spread() * lonePerJob,
          batchedS,
          r.batchedJobsPerSecond(),
          r.forwards(),
          r.forwards() == 0 ? 0.0 : (double) r.rows() / r.forwards());
      return r;
    }
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
