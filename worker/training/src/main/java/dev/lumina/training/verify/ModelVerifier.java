package dev.lumina.training.verify;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.Engines;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Metadata;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.sampling.OdeIntegrator;
import dev.lumina.engine.sampling.OdeResult;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.engine.sampling.TimeGrid;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a model against reference vectors ({@code lumina model verify --dir DIR}). The kind of set
 * is told by its files: a release bundle ({@code transformer/}, {@code text_encoder/}, {@code
 * vae/}: {@link BundleVerifier}), a VAE decoder set ({@link VaeVerifier}), a text encoder set
 * ({@link TextEncoderVerifier}), or a Flag-DiT set checked here: DIR holds {@code
 * model.safetensors}, {@code inputs.safetensors} (x, t, cap_feats, cap_mask, t_cfg, z) and {@code
 * outputs.safetensors}, whose JSON-encoded {@code __metadata__} gives the options. Every known
 * output (forward, forward_full, forward_default_opts, forward_with_cfg, dbg.*,
 * sample_{solver}[_trajectory], sample_t_grid) is compared with tolerance {@code 1e-4 · max(1,
 * max|ref|)}; one line per tensor; unknown names are skipped. Not thread-safe per instance (one
 * verification at a time).
 */
public final class ModelVerifier {

  private final AttentionKernel kernel;

  public ModelVerifier(AttentionKernel kernel) {
    this.kernel = kernel;
  }

  public ModelVerifier() {
    this(new NaiveAttention());
  }

  /**
   * Runs the comparison, printing to {@code out}; returns 0 when every compared tensor passes, else
   * 1. Turns grad mode off on the calling thread.
   */
  public int verify(Path dir, PrintStream out) {
    if (BundleVerifier.accepts(dir)) {
      return new BundleVerifier().verify(dir, out);
    }
    if (VaeVerifier.accepts(dir)) {
      return new VaeVerifier().verify(dir, out);
    }
    if (TextEncoderVerifier.recognises(dir)) {
      return new TextEncoderVerifier().verify(dir, out);
    }
    Engine.getInstance();
    dev.lumina.engine.pytorch.PyTorch.setGradMode(false);
    Map<String, HostTensor> in;
    Map<String, HostTensor> ref;
    Metadata md;
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inputs.safetensors"))) {
      in = f.readAll();
    }
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("outputs.safetensors"))) {
      ref = f.readAll();
      md = new Metadata(f.metadata());
    }
    ForwardOptions opts =
        new ForwardOptions(
            md.bool("proportional_attn").orElse(false),
            md.integer("base_seqlen").orElse(0),
            md.decimal("ntk_factor").orElse(1.0),
            md.decimal("rope_scaling_factor").orElse(1.0));
    float cfg = md.decimal("cfg_scale").orElse(4.0).floatValue();
    int steps =
        md.integer("solver_num_steps")
            .orElse(ref.containsKey("sample_t_grid") ? (int) ref.get("sample_t_grid").size() : 6);
    float shift = md.decimal("time_shifting_factor").orElse(1.0).floatValue();
    try (FlagDit model =
            FlagDit.load(
                dir.resolve("model.safetensors"), Engine.getInstance().defaultDevice(), kernel);
        NDManager m = NDManager.newBaseManager(model.device())) {
      Engines.prepare(model);
      out.printf(Locale.ROOT, "model %s%n", model.config());
      out.printf(Locale.ROOT, "engine %s %s%n", model.engine().flag(), model.precision().flag());
      Map<String, NDArray> trace = new HashMap<>();
      Map<String, NDArray> computed = new HashMap<>();
      return VectorReport.print(
          ref,
          name -> compute(name, model, m, in, opts, cfg, steps, shift, trace, computed),
          Set.of(),
          out,
          tolerance(model.precision()));
    }
  }

  /** Relative float tolerance of an fp32 engine against fp32 reference vectors. */
  static final double FP32_TOLERANCE = 1e-4;

  /**
   * Relative float tolerance of a bf16 engine against the same fp32 vectors: bfloat16 keeps 8
   * mantissa bits (relative rounding 2⁻⁹ ≈ 2e-3 per value), which accumulate to ~1e-2 over a
   * forward and a few sampling steps.
   */
  static final double BF16_TOLERANCE = 5e-2;

  /** The tolerance for a model running in {@code p}. */
  static double tolerance(dev.lumina.engine.model.Precision p) {
    return p == dev.lumina.engine.model.Precision.BF16 ? BF16_TOLERANCE : FP32_TOLERANCE;
  }

  /** {max|Δ|, tolerance}; a shape mismatch gives infinity. */
  static double[] compare(NDArray actual, HostTensor expected) {
    return compare(actual, expected, FP32_TOLERANCE);
  }

  /** {max|Δ|, relTol · max(1, max|ref|)}; a shape mismatch gives infinity. */
  static double[] compare(NDArray actual, HostTensor expected, double relTol) {
    float[] e = expected.data();
    double maxRef = 0;
    for (float v : e) {
      maxRef = Math.max(maxRef, Math.abs(v));
    }
    double tol = relTol * Math.max(1, maxRef);
    if (!actual.getShape().equals(new Shape(expected.shape()))) {
      return new double[] {Double.POSITIVE_INFINITY, tol};
    }
    float[] a = actual.toFloatArray();
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs((double) a[i] - e[i]));
      if (Float.isNaN(a[i])) {
        err = Double.POSITIVE_INFINITY;
      }
    }
    return new double[] {err, tol};
  }

  private NDArray compute(
      String name,
      FlagDit model,
      NDManager m,
      Map<String, HostTensor> in,
      ForwardOptions opts,
      float cfg,
      int steps,
      float shift,
      Map<String, NDArray> trace,
      Map<String, NDArray> cache) {
    if (name.equals("forward")) {
      return model.forward(
          in(m, in, "x"), in(m, in, "t"), in(m, in, "cap_feats"), in(m, in, "cap_mask"), opts);
    }
    if (name.startsWith("dbg.")) {
      // Intermediate tensors come from the per-op path, which records them.
      if (!cache.containsKey("traced")) {
        cache.put(
            "traced",
            model.forwardTraced(
                in(m, in, "x"),
                in(m, in, "t"),
                in(m, in, "cap_feats"),
                in(m, in, "cap_mask"),
                opts,
                trace));
      }
      return trace.get(name);
    }
    switch (name) {
      case "forward_full":
        return model.forwardFull(
            in(m, in, "x"), in(m, in, "t"), in(m, in, "cap_feats"), in(m, in, "cap_mask"), opts);
      case "forward_default_opts":
        return model.forward(
            in(m, in, "x"),
            in(m, in, "t"),
            in(m, in, "cap_feats"),
            in(m, in, "cap_mask"),
            ForwardOptions.DEFAULT);
      case "forward_with_cfg":
        return model.forwardWithCfg(
            in(m, in, "x"),
            in(m, in, "t_cfg"),
            in(m, in, "cap_feats"),
            in(m, in, "cap_mask"),
            cfg,
            Guidance.FIRST_THREE_CHANNELS,
            opts);
      case "sample_t_grid":
        return m.create(TimeGrid.shifted(steps, shift));
      default:
        break;
    }
    if (name.startsWith("sample_")) {
      String method = name.substring("sample_".length()).replace("_trajectory", "");
      Solver solver;
      try {
        solver = Solver.valueOf(method.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return null;
      }
      String key = "sample_" + method;
      if (!cache.containsKey(key)) {
        NDArray cap = in(m, in, "cap_feats");
        NDArray mask = in(m, in, "cap_mask");
        NDArray z = in(m, in, "z");
        long b = z.getShape().get(0);
        OdeResult r =
            OdeIntegrator.of(solver)
                .integrate(
                    (x, t) ->
                        model.forwardWithCfg(
                            x,
                            x.getManager().full(new Shape(b), t),
                            cap,
                            mask,
                            cfg,
                            Guidance.FIRST_THREE_CHANNELS,
                            opts),
                    z,
                    TimeGrid.shifted(steps, shift),
                    StepCallback.NONE,
                    true);
        cache.put(key, r.last());
        cache.put(key + "_trajectory", NDArrays.stack(new NDList(r.trajectory())));
      }
      return cache.get(name);
    }
    return null;
  }

  private static NDArray in(NDManager m, Map<String, HostTensor> in, String key) {
    HostTensor t = in.get(key);
    if (t == null) {
      throw new IllegalArgumentException("inputs.safetensors has no tensor '" + key + "'");
    }
    return m.create(t.data(), new Shape(t.shape()));
  }
}
