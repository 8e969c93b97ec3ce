package dev.lumina.training.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.pytorch.PyTorch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures, in one run, the engine's fp32 matmul rate (the practical roof) and the Flag-DiT forward
 * on random weights for each {@link ForwardCase}: median ms per forward, achieved GFLOP/s from the
 * FLOPs counted in {@link ForwardCase#flops()}, and the ratio of the two rates. The matmul rate is
 * measured again right before each case, and each ratio uses the rate measured next to it, so that
 * a machine shared with other work skews both sides alike.
 *
 * <p>Each forward runs with its inputs in a per-request sub-manager, autograd off, and the model's
 * weights in a capped manager; every timing ends by reading the result back to the host, so it is
 * complete on asynchronous devices too. Runs on the calling thread; not meant to run concurrently
 * with other engine work (the numbers would be shared).
 */
public final class ModelBenchmark {

  /**
   * What to run.
   *
   * @param warmup untimed forwards per case (at least one is advised: the first call loads code)
   * @param reps timed forwards per case; the median is reported
   * @param matmulSize side of the square fp32 matmul used as the roof
   * @param matmulReps timed matmuls; the median is reported
   * @param seed seed for weights and inputs
   * @param cases forward cases, run in order
   */
  public record Settings(
      int warmup, int reps, int matmulSize, int matmulReps, long seed, List<ForwardCase> cases) {

    public Settings {
      if (warmup < 0) {
        throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
      }
      if (reps < 1) {
        throw new IllegalArgumentException("reps must be >= 1, got " + reps);
      }
      if (matmulSize < 64 || matmulSize > 16_384) {
        throw new IllegalArgumentException("matmulSize must be in [64, 16384], got " + matmulSize);
      }
      if (matmulReps < 1) {
        throw new IllegalArgumentException("matmulReps must be >= 1, got " + matmulReps);
      }
      cases = List.copyOf(cases);
    }

    /** The three cases: d384/h6/L8 B2 at 272 and 1056 tokens, d768/h12/L12 B2 at 1056. */
    public static List<ForwardCase> standardCases() {
      return List.of(
          ForwardCase.of(384, 6, 8, 2, 272),
          ForwardCase.of(384, 6, 8, 2, 1056),
          ForwardCase.of(768, 12, 12, 2, 1056));
    }

    /** One warmup, five timed forwards, a 2048² matmul timed nine times, the standard cases. */
    public static Settings defaults() {
      return new Settings(1, 5, 2048, 9, 42L, standardCases());
    }
  }

  private ModelBenchmark() {}

  /**
   * Runs the benchmark on the device named {@code deviceName} (blank = the engine's default),
   * writing one progress line per step to {@code progress}.
   *
   * @throws ai.djl.engine.EngineException if the engine fails
   */
  public static BenchmarkReport run(Settings settings, String deviceName, PrintStream progress) {
    Engine engine = PyTorch.engine();
    Device device = PyTorch.device(deviceName);
    PyTorch.setGradMode(false);
    engine.setRandomSeed((int) settings.seed());
    AttentionKernel kernel = AttentionKernels.best(device);
    progress.printf("attention kernel: %s%n", kernel);
    List<BenchmarkReport.Row> rows = new ArrayList<>();
    List<Double> roofs = new ArrayList<>();
    try (NDManager m = PyTorch.newManager(device)) {
      for (ForwardCase c : settings.cases()) {
        // The roof is measured right before each case so that both see the same machine load.
        double roof = matmulGflops(m, settings.matmulSize(), settings.matmulReps());
        roofs.add(roof);
        double ms = forwardMillis(c, settings, device, kernel);
        double gflops = c.flops() / (ms * 1e6);
        BenchmarkReport.Row row =
            new BenchmarkReport.Row(c, "fp32", ms, gflops, roof, gflops / roof, Double.NaN);
        progress.printf(
            Locale.ROOT,
            "%s %d tokens: matmul %.1f GFLOP/s; forward %.1f ms, %.1f GFLOP/s, ratio %.2f%n",
            c.label(),
            c.tokens(),
            roof,
            ms,
            gflops,
            row.ratio());
        rows.add(row);
      }
      if (roofs.isEmpty()) {
        roofs.add(matmulGflops(m, settings.matmulSize(), settings.matmulReps()));
      }
    }
    double roof = median(roofs.stream().mapToDouble(Double::doubleValue).toArray());
    return new BenchmarkReport(
        device.toString(), PyTorch.threads(), settings.matmulSize(), roof, rows);
  }

  /** Median fp32 GFLOP/s of {@code size × size} by {@code size × size} matmuls (one warmup). */
  static double matmulGflops(NDManager m, int size, int reps) {
    NDArray a = m.randomNormal(new Shape(size, size));
    NDArray b = m.randomNormal(new Shape(size, size));
    double[] ms = new double[reps];
    for (int i = -1; i < reps; i++) {
      long t0 = System.nanoTime();
      try (NDArray c = a.matMul(b);
          NDArray corner = c.get(0, 0)) {
        corner.getFloat(); // forces completion on asynchronous devices
      }
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return 2.0 * size * size * size / (median(ms) * 1e6);
  }

  /** Median ms of one forward of case {@code c} on random weights. */
  static double forwardMillis(ForwardCase c, Settings s, Device device, AttentionKernel kernel) {
    try (NDManager weights = PyTorch.newManager(device);
        NDManager inputs = PyTorch.newManager(device)) {
      FlagDit model = FlagDit.initialize(c.config(), weights, s.seed(), kernel);
      weights.cap();
      NDArray x = inputs.randomNormal(new Shape(c.batch(), 4, c.latentSide(), c.latentSide()));
      NDArray t = inputs.randomUniform(0f, 1f, new Shape(c.batch()));
      NDArray cap = inputs.randomNormal(new Shape(c.batch(), c.textTokens(), c.capFeatDim()));
      NDArray capMask = inputs.ones(new Shape(c.batch(), c.textTokens()));
      double[] ms = new double[s.reps()];
      for (int i = -s.warmup(); i < s.reps(); i++) {
        long t0 = System.nanoTime();
        // The model runs in a sub-manager of x's manager; only its output survives the call.
        try (NDArray out = model.forward(x, t, cap, capMask, ForwardOptions.DEFAULT)) {
          out.toFloatArray(); // forces completion on asynchronous devices
        }
        if (i >= 0) {
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      model.close();
      return median(ms);
    }
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
