package dev.lumina.training.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.vae.TiledDecoding;
import dev.lumina.engine.vae.VaeCheckpoint;
import dev.lumina.engine.vae.VaeConfig;
import dev.lumina.engine.vae.VaeDecoder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times the VAE decoder per op and compiled on the same random weights and latents: SDXL's decoder
 * layout (four levels, three resnets each, mid-block attention, 32 groups) at a quarter of its
 * widths, so that a 2-core machine decodes a 256² picture in a fraction of a second. Stateless.
 */
public final class DecodeBenchmark {

  /** SDXL's {@code block_out_channels} [128, 256, 512, 512] ÷ 4. */
  static final VaeConfig CONFIG =
      new VaeConfig(
          new int[] {32, 64, 128, 128},
          2,
          4,
          3,
          32,
          VaeConfig.SDXL_SCALING_FACTOR,
          null,
          true,
          true,
          true);

  private DecodeBenchmark() {}

  /**
   * Decodes one {@code latentSide²} latent ({@code reps} timed decodes after one warmup) on the
   * device named {@code deviceName} with the per-op and the compiled decoder.
   */
  public static List<BenchmarkReport.DecodeRow> run(
      int latentSide, int reps, String deviceName, long seed, PrintStream progress) {
    Device device = PyTorch.device(deviceName);
    PyTorch.setGradMode(false);
    VaeCheckpoint ck =
        new VaeCheckpoint(CONFIG, randomWeights(CONFIG, seed), VaeCheckpoint.Layout.DIFFUSERS);
    List<BenchmarkReport.DecodeRow> rows = new ArrayList<>();
    int pixels = latentSide * CONFIG.spatialFactor();
    String label = "vae/4 " + pixels + "x" + pixels;
    try (VaeDecoder vae =
            VaeDecoder.fromCheckpoint(
                ck, device, AttentionKernels.best(device), TiledDecoding.NEVER);
        NDManager m = PyTorch.newManager(device)) {
      PyTorch.engine().setRandomSeed((int) seed + 1);
      NDArray latents =
          m.randomNormal(new Shape(1, CONFIG.latentChannels(), latentSide, latentSide));
      float[] reference = null;
      double eagerMs = Double.NaN;
      for (EngineKind engine : new EngineKind[] {EngineKind.EAGER, EngineKind.COMPILED}) {
        vae.useEngine(engine, Precision.FP32);
        double[] ms = new double[reps];
        float[] output = null;
        for (int i = -1; i < reps; i++) {
          long t0 = System.nanoTime();
          try (NDArray out = vae.decode(latents)) {
            output = out.toFloatArray();
          }
          if (i >= 0) {
            ms[i] = (System.nanoTime() - t0) / 1e6;
          }
        }
        double med = MatmulRoof.median(ms);
        if (reference == null) {
          reference = output;
          eagerMs = med;
        }
        BenchmarkReport.DecodeRow row =
            new BenchmarkReport.DecodeRow(
                label,
                engine.flag() + " fp32",
                med,
                eagerMs / med,
                ModelBenchmark.relativeError(output, reference));
        progress.printf(
            Locale.ROOT,
            "%s, %s: decode %.1f ms (x%.2f vs eager, rel err %.1e)%n",
            row.label(),
            row.mode(),
            row.ms(),
            row.speedup(),
            row.relError());
        rows.add(row);
      }
    }
    return rows;
  }

  /**
   * Random weights for {@code c}: convolutions and projections N(0, 1/fan_in), norm gains 1 + N(0,
   * 0.1²), every other vector N(0, 0.1²).
   */
  static Map<String, HostTensor> randomWeights(VaeConfig c, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, HostTensor> out = new LinkedHashMap<>();
    VaeDecoder.parameterShapes(c)
        .forEach(
            (k, dims) -> {
              long n = 1;
              for (long d : dims) {
                n *= d;
              }
              float[] v = new float[Math.toIntExact(n)];
              double mean = 0;
              double sd = 0.1;
              if (dims.length >= 2) {
                sd = 1 / Math.sqrt(n / dims[0]);
              } else if (k.contains("norm") && k.endsWith(".weight")) {
                mean = 1;
              }
              for (int i = 0; i < v.length; i++) {
                v[i] = (float) (mean + sd * rnd.nextGaussian());
              }
              out.put(k, new HostTensor(dims.clone(), v));
            });
    return out;
  }
}
