package dev.lumina.training.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.Engines;
import dev.lumina.engine.Generated;
import dev.lumina.engine.Generation;
import dev.lumina.engine.Generator;
import dev.lumina.engine.StepListener;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.Solver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, in one run, the engine's fp32 and bf16 matmul rates (the practical roofs) and the
 * Flag-DiT forward on random weights for each {@link ForwardCase} in every engine mode: eager fp32
 * (the per-op reference), compiled fp32 and compiled bf16. Per row: median ms per forward, achieved
 * GFLOP/s from the FLOPs counted in {@link ForwardCase#flops()}, the ratio to the roof of its
 * precision, the speed-up over eager fp32, the largest error relative to the eager output and the
 * weights' resident bytes. The roofs are measured again right before each case, and each ratio uses
 * the rate measured next to it, so that a machine shared with other work skews both sides alike.
 *
 * <p>Every parameter is drawn at random (no zero-initialised layer, so the errors are those of real
 * arithmetic). Each forward runs with its inputs in a per-request sub-manager, autograd off, and
 * the model's weights in their own manager; every timing ends by reading the result back to the
 * host, so it is complete on asynchronous devices too. Runs on the calling thread; not meant to run
 * concurrently with other engine work (the numbers would be shared).
 */
public final class ModelBenchmark {

  /** One engine mode of a forward. */
  record Mode(EngineKind engine, Precision precision) {
    String label() {
      return engine.flag() + " " + precision.flag();
    }
  }

  static final List<Mode> MODES =
      List.of(
          new Mode(EngineKind.EAGER, Precision.FP32),
          new Mode(EngineKind.COMPILED, Precision.FP32),
          new Mode(EngineKind.COMPILED, Precision.BF16));

  /**
   * What to run.
   *
   * @param warmup untimed forwards per case (at least one is advised: the first call loads code)
   * @param reps timed forwards per case; the median is reported
   * @param matmulSize side of the square matmul used as the roof
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

    /**
     * The shipped model's size (d128/h4/L6 at 72 tokens), d384/h6/L8 at 272 and 1056 tokens,
     * d768/h12/L12 at 1056; batch 2 (a guided pair).
     */
    public static List<ForwardCase> standardCases() {
      return List.of(
          ForwardCase.of(128, 4, 6, 2, 72),
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
   * Runs the forward cases on the device named {@code deviceName} (blank = the engine's default),
   * writing one progress line per row to {@code progress}. Leaves the process's engine settings as
   * they were.
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
    List<Double> fp32Roofs = new ArrayList<>();
    List<Double> bf16Roofs = new ArrayList<>();
    try (NDManager m = PyTorch.newManager(device);
        MatmulRoof roof = new MatmulRoof(m, settings.matmulSize(), settings.matmulReps())) {
      for (ForwardCase c : settings.cases()) {
        // The roofs are measured right before each case so that both see the same machine load.
        double fp32 = roof.fp32();
        double bf16 = roof.bf16();
        fp32Roofs.add(fp32);
        bf16Roofs.add(bf16);
        progress.printf(
            Locale.ROOT,
            "%s %d tokens: matmul fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n",
            c.label(),
            c.tokens(),
            fp32,
            bf16);
        float[] reference = null;
        double eagerMs = Double.NaN;
        for (Mode mode : MODES) {
          Timed timed = forward(c, settings, device, kernel, mode);
          if (reference == null) {
            reference = timed.output();
            eagerMs = timed.ms();
          }
          double gflops = c.flops() / (timed.ms() * 1e6);
          double modeRoof = mode.precision() == Precision.BF16 ? bf16 : fp32;
          BenchmarkReport.Row row =
              new BenchmarkReport.Row(
                  c,
                  mode.label(),
                  timed.ms(),
                  gflops,
                  modeRoof,
                  gflops / modeRoof,
                  eagerMs / timed.ms(),
                  relativeError(timed.output(), reference),
                  timed.weightBytes());
          progress.printf(
              Locale.ROOT,
              "  %-14s %.1f ms, %.1f GFLOP/s, ratio %.2f, x%.2f vs eager, rel err %.1e,"
                  + " weights %.1f MiB%n",
              mode.label(),
              row.msPerForward(),
              row.gflops(),
              row.ratio(),
              row.speedup(),
              row.relError(),
              row.weightBytes() / (1024.0 * 1024.0));
          rows.add(row);
        }
      }
      if (fp32Roofs.isEmpty()) {
        fp32Roofs.add(roof.fp32());
        bf16Roofs.add(roof.bf16());
      }
    }
    return new BenchmarkReport(
        device.toString(),
        PyTorch.threads(),
        settings.matmulSize(),
        median(fp32Roofs),
        median(bf16Roofs),
        rows,
        List.of(),
        List.of());
  }

  /**
   * Samples with the model in {@code modelDir} ({@code steps} grid points, guidance on, the model's
   * own resolution {@code side × side}) in every engine mode and reports the median sampling time
   * of {@code reps} generations after one warmup. Restores the process's engine settings
   * afterwards.
   */
  public static List<BenchmarkReport.SamplingRow> sampling(
      Path modelDir, int side, int steps, int reps, PrintStream progress) throws IOException {
    EngineKind engineBefore = Engines.engine();
    Precision precisionBefore = Engines.precision();
    List<BenchmarkReport.SamplingRow> rows = new ArrayList<>();
    try {
      double eager = Double.NaN;
      for (Mode mode : MODES) {
        Engines.setEngine(mode.engine(), mode.precision());
        try (Generator g = Generator.load(modelDir)) {
          Generation gen =
              new Generation(
                  TokenLayout.image(side, side),
                  "a red circle above a blue square",
                  "",
                  4f,
                  Guidance.ALL_CHANNELS,
                  Solver.EULER,
                  steps,
                  4f,
                  7L,
                  ForwardOptions.DEFAULT);
          double[] ms = new double[reps];
          for (int i = -1; i < reps; i++) {
            Generated out = g.generate(List.of(gen), StepListener.NONE).get(0);
            if (i >= 0) {
              ms[i] = out.timings().sampleMs();
            }
          }
          double med = MatmulRoof.median(ms);
          if (Double.isNaN(eager)) {
            eager = med;
          }
          BenchmarkReport.SamplingRow row =
              new BenchmarkReport.SamplingRow(
                  modelDir.getFileName() + " " + side + "x" + side + " " + steps + " steps",
                  mode.label(),
                  med,
                  eager / med,
                  g.weightBytes());
          progress.printf(
              Locale.ROOT,
              "%s, %s: sampling %.0f ms (x%.2f vs eager)%n",
              row.label(),
              row.mode(),
              row.sampleMs(),
              row.speedup());
          rows.add(row);
        }
      }
    } finally {
      Engines.setEngine(engineBefore, precisionBefore);
    }
    return rows;
  }

  /** A timed forward: median ms, the output on the host, the weights' resident bytes. */
  record Timed(double ms, float[] output, long weightBytes) {}

  static Timed forward(
      ForwardCase c, Settings s, Device device, AttentionKernel kernel, Mode mode) {
    NDManager weights = PyTorch.newManager(device);
    FlagDit model =
        FlagDit.adopt(c.config(), denseWeights(c.config(), weights, s.seed()), weights, kernel);
    try (NDManager inputs = PyTorch.newManager(device)) {
      model.useEngine(mode.engine(), mode.precision());
      PyTorch.engine().setRandomSeed((int) s.seed() + 1);
      NDArray x = inputs.randomNormal(new Shape(c.batch(), 4, c.latentSide(), c.latentSide()));
      NDArray t = inputs.randomUniform(0f, 1f, new Shape(c.batch()));
      NDArray cap = inputs.randomNormal(new Shape(c.batch(), c.textTokens(), c.capFeatDim()));
      NDArray capMask = inputs.ones(new Shape(c.batch(), c.textTokens()));
      double[] ms = new double[s.reps()];
      float[] output = null;
      for (int i = -s.warmup(); i < s.reps(); i++) {
        long t0 = System.nanoTime();
        // The model runs in a sub-manager of x's manager; only its output survives the call.
        try (NDArray out = model.forward(x, t, cap, capMask, ForwardOptions.DEFAULT)) {
          output = out.toFloatArray(); // forces completion on asynchronous devices
        }
        if (i >= 0) {
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return new Timed(MatmulRoof.median(ms), output, model.weightBytes());
    } finally {
      model.close();
    }
  }

  /**
   * Random parameters for {@code c} in {@code m}: matrices N(0, 1/fan_in), norm gains 1 + N(0,
   * 0.1²), every other vector N(0, 0.1²); the same for the same seed.
   */
  public static Map<String, NDArray> denseWeights(FlagDitConfig c, NDManager m, long seed) {
    PyTorch.engine().setRandomSeed((int) seed);
    Map<String, NDArray> out = new LinkedHashMap<>();
    FlagDit.parameterShapes(c)
        .forEach(
            (k, dims) -> {
              Shape s = new Shape(dims);
              NDArray a;
              if (s.dimension() == 2) {
                a = m.randomNormal(0f, (float) (1 / Math.sqrt(s.get(1))), s, DataType.FLOAT32);
              } else if (k.contains("norm") || k.equals("cap_embedder.0.weight")) {
                a = m.randomNormal(1f, 0.1f, s, DataType.FLOAT32);
              } else {
                a = m.randomNormal(0f, 0.1f, s, DataType.FLOAT32);
              }
              out.put(k, a);
            });
    return out;
  }

  /** max |a − ref| ÷ max |ref|. */
  static double relativeError(float[] a, float[] ref) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs((double) a[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  static double median(List<Double> values) {
    return MatmulRoof.median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
