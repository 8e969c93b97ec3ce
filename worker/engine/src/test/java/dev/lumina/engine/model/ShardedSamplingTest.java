package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.parallel.LocalGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.FlagDitSampler;
import dev.lumina.engine.sampling.SamplingRequest;
import dev.lumina.engine.sampling.Solver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sampling on every rank of a shard group in lock-step reaches the one-rank latents at every step:
 * a guided video job of 2 × (2×3 + 2) + 1 = 17 tokens ([nextline] and [nextframe] tokens, so ring=3
 * and 2×2 pad it; a masked caption, proportional attention and NTK scaling), |Δ| ≤ 1e-5 · max(1,
 * max|ref|) per step.
 */
class ShardedSamplingTest {

  private static final FlagDitConfig CONFIG =
      new FlagDitConfig(
          64,
          2,
          4,
          2,
          true,
          48,
          2,
          4,
          true,
          FlagDitConfig.ffnHidden(64, 32, null),
          1e-5f,
          10000.0,
          64,
          10000.0,
          true);

  @ParameterizedTest(name = "cfg={0} ulysses={1} ring={2} {3}")
  @CsvSource({
    "2, 1, 1, EULER",
    "1, 2, 1, EULER",
    "2, 2, 1, MIDPOINT",
    "1, 1, 2, EULER",
    "1, 1, 3, EULER",
    "1, 2, 2, EULER"
  })
  void everyRanksLatentsMatchOneRankAtEveryStep(int cfg, int ulysses, int ring, Solver solver)
      throws Exception {
    PyTorch.setGradMode(false);
    try (NDManager weights = PyTorch.newManager(PyTorch.defaultDevice())) {
      FlagDit model = CompiledTrunkTest.randomModel(CONFIG, weights);
      Job job = new Job(solver);
      List<float[]> alone;
      try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
        alone = job.sample(m, (rs, cb) -> FlagDitSampler.sampleBatch(model, rs, cb, m));
      }
      assertThat(alone).as("one latent per step").hasSizeGreaterThanOrEqualTo(3);
      ShardedFlagDit sharded = new ShardedFlagDit(model);
      List<ShardMesh> meshes =
          LocalGroup.mesh(new ParallelDegrees(cfg, ulysses, ring), Duration.ofSeconds(60));
      ExecutorService pool = Executors.newFixedThreadPool(meshes.size());
      try {
        List<Future<List<float[]>>> ranks = new ArrayList<>();
        for (ShardMesh mesh : meshes) {
          ranks.add(
              pool.submit(
                  () -> {
                    PyTorch.setGradMode(false);
                    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                      return job.sample(
                          m,
                          (rs, cb) ->
                              FlagDitSampler.sampleBatch(sharded.on(mesh), CONFIG, rs, cb, m));
                    }
                  }));
        }
        for (Future<List<float[]>> rank : ranks) {
          List<float[]> steps = rank.get(120, TimeUnit.SECONDS);
          assertThat(steps).hasSameSizeAs(alone);
          for (int s = 0; s < alone.size(); s++) {
            float[] ref = alone.get(s);
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < ref.length; i++) {
              scale = Math.max(scale, Math.abs(ref[i]));
              diff = Math.max(diff, Math.abs(steps.get(s)[i] - ref[i]));
            }
            assertThat(diff).as("step %d", s).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private interface Sampling {
    void run(List<SamplingRequest> rs, FlagDitSampler.BatchStepCallback cb);
  }

  /** One guided video job, rebuilt in any manager from seeded host data. */
  private static final class Job {
    final TokenLayout layout = TokenLayout.video(2, 4, 6);
    final Solver solver;
    final float[] cond;
    final float[] uncond;

    Job(Solver solver) {
      this.solver = solver;
      Random r = new Random(9);
      cond = new float[4 * CONFIG.capFeatDim()];
      uncond = new float[3 * CONFIG.capFeatDim()];
      for (int i = 0; i < cond.length; i++) {
        cond[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < uncond.length; i++) {
        uncond[i] = (float) r.nextGaussian();
      }
    }

    /** The latent after every step, then the final one, on the host. */
    List<float[]> sample(NDManager m, Sampling sampling) {
      SamplingRequest r =
          new SamplingRequest(
              layout,
              m.create(cond, new Shape(4, CONFIG.capFeatDim())),
              m.create(new float[] {1, 1, 1, 0}),
              m.create(uncond, new Shape(3, CONFIG.capFeatDim())),
              null,
              3.5f,
              Guidance.ALL_CHANNELS,
              solver,
              4,
              3f,
              42L,
              new ForwardOptions(true, 20, 1.5, 1.0));
      List<float[]> steps = new ArrayList<>();
      sampling.run(
          List.of(r),
          (step, total, t, latents) -> {
            steps.add(latents.get(0).toFloatArray());
            return true;
          });
      return steps;
    }
  }
}
