package dev.lumina.training.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.BatchForward;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.ShardedFlagDit;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.engine.parallel.ShardTraffic;
import dev.lumina.engine.pytorch.PyTorch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One guided Flag-DiT forward (the conditional and unconditional rows of one picture) per shard
 * layout, each rank on its own thread over the meshes a {@link Transport} gives: the leader's
 * median time, the output's relative error against one rank, and each rank-0 group's counted bytes
 * beside {@link ShardTraffic}'s formula. Random dense weights; nothing is loaded.
 *
 * <p>Not thread-safe; {@link #close} frees the weights.
 */
public final class ParallelLayouts implements AutoCloseable {

  /** Where a layout's ranks exchange data: one mesh per rank, in rank order. */
  @FunctionalInterface
  public interface Transport {
    /**
     * The meshes of {@code degrees}' ranks; what must be closed after the run goes to {@code
     * closing}.
     */
    List<ShardMesh> meshes(ParallelDegrees degrees, List<AutoCloseable> closing) throws Exception;
  }

  /**
   * One layout's figures.
   *
   * @param ms the leader's median time of one forward
   * @param relError max |Δ| ÷ max |reference| against one rank's output (0 for the first row)
   * @param ulyssesPerLayer bytes rank 0 sent in its Ulysses group per layer
   * @param ringPerLayer bytes rank 0 sent around its ring per layer
   * @param gather bytes rank 0 sent in the final gather per forward
   * @param cfg bytes rank 0 sent in the CFG exchange per forward
   * @param formula what {@link ShardTraffic} says these are
   */
  public record Row(
      ParallelDegrees degrees,
      double ms,
      double relError,
      long ulyssesPerLayer,
      long ringPerLayer,
      long gather,
      long cfg,
      ShardTraffic formula) {

    /** Whether every counted figure equals the formula. */
    public boolean bytesMatch() {
      return ulyssesPerLayer == formula.ulyssesPerLayer()
          && ringPerLayer == formula.ringPerLayer()
          && gather == formula.gatherPerForward()
          && cfg == formula.cfgPerForward();
    }
  }

  private final NDManager weights;
  private final FlagDit model;
  private final Job job;
  private float[] reference;

  /** Random dense weights of {@code c}'s model; {@code c}'s batch is ignored (a guided job). */
  public ParallelLayouts(ForwardCase c) {
    PyTorch.setGradMode(false);
    weights = PyTorch.newManager(PyTorch.defaultDevice());
    FlagDitConfig config = c.config();
    model =
        FlagDit.adopt(
            config,
            ModelBenchmark.denseWeights(config, weights, 42),
            weights,
            AttentionKernels.best(weights.getDevice()));
    job = new Job(c);
  }

  /**
   * Runs {@code reps} timed forwards (after one warmup) of {@code d} over {@code transport}. The
   * first call's output is the reference of later calls' errors (run one rank first).
   */
  public Row run(ParallelDegrees d, Transport transport, int reps, java.time.Duration timeout)
      throws Exception {
    FlagDitConfig config = model.config();
    int forwards = reps + 1;
    List<AutoCloseable> closing = new ArrayList<>();
    ExecutorService pool = null;
    try {
      List<ShardMesh> meshes = transport.meshes(d, closing);
      pool = Executors.newFixedThreadPool(meshes.size());
      ShardedFlagDit sharded = new ShardedFlagDit(model);
      double[] ms = new double[reps];
      List<Future<float[]>> f = new ArrayList<>();
      for (int r = 0; r < meshes.size(); r++) {
        ShardMesh mesh = meshes.get(r);
        boolean lead = r == 0;
        BatchForward forward = d.ranks() == 1 ? model::forward : sharded.on(mesh);
        f.add(
            pool.submit(
                () -> {
                  PyTorch.setGradMode(false);
                  float[] out = null;
                  try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                    for (int i = -1; i < reps; i++) {
                      long t0 = System.nanoTime();
                      out = job.forward(forward, m);
                      if (lead && i >= 0) {
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                      }
                    }
                  }
                  return out;
                }));
      }
      float[] out = f.get(0).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      for (Future<float[]> other : f) {
        other.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      double err = reference == null ? 0 : relError(out, reference);
      if (reference == null) {
        reference = out;
      }
      ShardMesh m0 = meshes.get(0);
      int layers = config.nLayers();
      ShardTraffic formula =
          ShardTraffic.of(
              d,
              d.cfg() == 2 ? 1 : 2,
              job.tokens,
              (long) config.nHeads() * config.headDim(),
              (long) config.nKvHeads() * config.headDim(),
              (long) config.patchSize() * config.patchSize() * config.outChannels(),
              job.latentValues,
              4);
      double[] sorted = ms.clone();
      Arrays.sort(sorted);
      return new Row(
          d,
          sorted[sorted.length / 2],
          err,
          m0.ulysses().bytesSent() / forwards / layers,
          m0.ring().bytesSent() / forwards / layers,
          m0.sequence().bytesSent() / forwards,
          m0.cfg().bytesSent() / forwards,
          formula);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
      for (AutoCloseable c : closing) {
        c.close();
      }
    }
  }

  /** Bytes of one rank's activations at the widest point of a layer (q, k, v and scores). */
  public long activationBytesPerRank(ParallelDegrees d) {
    FlagDitConfig c = model.config();
    long rows = d.cfg() == 2 ? 1 : 2;
    long local = (job.tokens + d.sequenceRanks() - 1) / d.sequenceRanks();
    long width = (long) c.nHeads() * c.headDim();
    // q, k, v and the attention output for the local tokens; the FFN hidden width per token.
    long tensors = rows * local * (4 * width + c.ffnHiddenDim());
    return tensors * 4;
  }

  @Override
  public void close() {
    weights.close();
  }

  private static double relError(float[] a, float[] ref) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  /** One guided job: the conditional and unconditional rows of one picture. */
  private static final class Job {
    final TokenLayout layout;
    final int tokens;
    final long latentValues;
    final float[] latent;
    final float[] cap;
    final int textTokens;
    final int capDim;
    final int channels;

    Job(ForwardCase c) {
      FlagDitConfig config = c.config();
      layout = TokenLayout.image(c.latentSide(), c.latentSide());
      tokens = c.tokens();
      channels = config.inChannels();
      latentValues = layout.latentShape(channels).size();
      Random r = new Random(3);
      latent = new float[(int) latentValues];
      for (int i = 0; i < latent.length; i++) {
        latent[i] = (float) r.nextGaussian();
      }
      textTokens = c.textTokens();
      capDim = c.capFeatDim();
      cap = new float[2 * textTokens * capDim];
      for (int i = 0; i < cap.length; i++) {
        cap[i] = (float) r.nextGaussian();
      }
    }

    float[] forward(BatchForward forward, NDManager parent) {
      try (NDManager m = parent.newSubManager()) {
        NDArray x = m.create(latent, layout.latentShape(channels));
        List<NDArray> out =
            forward.forward(
                List.of(x, x),
                List.of(layout, layout),
                m.create(new float[] {0.5f, 0.5f}),
                m.create(cap, new Shape(2, textTokens, capDim)),
                m.ones(new Shape(2, textTokens)),
                ForwardOptions.DEFAULT);
        return out.get(0).toFloatArray();
      }
    }
  }
}
