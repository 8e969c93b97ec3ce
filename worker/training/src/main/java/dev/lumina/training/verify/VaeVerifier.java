package dev.lumina.training.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.ChunkedAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.vae.TiledDecoding;
import dev.lumina.engine.vae.VaeDecoder;
import dev.lumina.engine.vae.VaePictures;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a VAE decoder against reference vectors of the {@code sdxl-vae-decoder-dev} kind: DIR
 * holds a diffusers {@code vae/} folder (or only the LDM {@code sdxl_vae.safetensors}), {@code
 * inputs.safetensors} with the sampler's {@code latents} and {@code outputs.safetensors}. Compares
 * {@code decoded}, {@code image} and every {@code dbg.*} with tolerance {@code 1e-4 · max(1,
 * max|ref|)}, and the 8-bit {@code image_u8} (rounded) and {@code image_u8_demo} (truncated, the
 * demo's PNG) allowing ±1 on at most 0.5 % of the values; one line per tensor in {@link
 * ModelVerifier}'s format; unknown names are skipped. The decode is untiled, as the reference.
 * Stateless; one verification at a time per thread.
 */
public final class VaeVerifier {

  /** Share of 8-bit values allowed to differ by one. */
  static final double U8_FRACTION = 0.005;

  /** Whether {@code dir} looks like a VAE decoder vector set. */
  public static boolean accepts(Path dir) {
    if (!Files.isDirectory(dir.resolve("vae"))
        || !Files.exists(dir.resolve("inputs.safetensors"))) {
      return false;
    }
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inputs.safetensors"))) {
      return f.names().contains("latents");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Runs the comparison, printing to {@code out}; returns 0 when every compared tensor passes, else
   * 1. Turns grad mode off on the calling thread.
   */
  public int verify(Path dir, PrintStream out) {
    PyTorch.setGradMode(false);
    Map<String, HostTensor> in;
    Map<String, HostTensor> ref;
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inputs.safetensors"))) {
      in = f.readAll();
    }
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("outputs.safetensors"))) {
      ref = f.readAll();
    }
    HostTensor latents = in.get("latents");
    if (latents == null) {
      throw new IllegalArgumentException("inputs.safetensors has no tensor 'latents'");
    }
    int failures = 0;
    int compared = 0;
    try (VaeDecoder vae =
            VaeDecoder.load(
                dir.resolve("vae"),
                PyTorch.defaultDevice(),
                new ChunkedAttention(),
                TiledDecoding.NEVER);
        NDManager m = PyTorch.newManager(vae.device())) {
      out.printf(Locale.ROOT, "vae %s%n", vae.config());
      Map<String, NDArray> trace = new HashMap<>();
      NDArray decoded = vae.decode(m.create(latents.data(), new Shape(latents.shape())), trace);
      NDArray image = VaePictures.unit(decoded);
      Map<String, NDArray> computed = new HashMap<>(trace);
      computed.put("decoded", decoded);
      computed.put("image", image);
      computed.put("image_u8", VaePictures.roundedU8(image));
      computed.put("image_u8_demo", VaePictures.truncatedU8(image));
      for (Map.Entry<String, HostTensor> e : ref.entrySet()) {
        String name = e.getKey();
        NDArray actual = computed.get(name);
        if (actual == null) {
          out.printf(Locale.ROOT, "%-32s skipped (unknown name)%n", name);
          continue;
        }
        actual = matchRank(actual, e.getValue());
        boolean pass;
        double[] r;
        String extra = "";
        if (name.startsWith("image_u8")) {
          long[] u8 = compareU8(actual, e.getValue());
          long allowed = (long) Math.floor(U8_FRACTION * e.getValue().size());
          r = new double[] {u8[0] < 0 ? Double.POSITIVE_INFINITY : u8[0], 1};
          pass = u8[0] >= 0 && u8[0] <= 1 && u8[1] <= allowed;
          extra =
              String.format(
                  Locale.ROOT, "%d/%d differ (allowed %d)  ", u8[1], e.getValue().size(), allowed);
        } else {
          r = ModelVerifier.compare(actual, e.getValue());
          pass = r[0] <= r[1];
        }
        compared++;
        failures += pass ? 0 : 1;
        out.printf(
            Locale.ROOT,
            "%-32s max|err| %.3e  tol %.3e  %s%s%n",
            name,
            r[0],
            r[1],
            extra,
            pass ? "PASS" : "FAIL");
      }
    }
    out.printf(Locale.ROOT, "%d compared, %d failed%n", compared, failures);
    return failures == 0 && compared > 0 ? 0 : 1;
  }

  /** A leading batch axis of 1 dropped when the reference stores one picture without it. */
  private static NDArray matchRank(NDArray actual, HostTensor expected) {
    Shape s = actual.getShape();
    if (s.dimension() == expected.shape().length + 1
        && s.get(0) == 1
        && s.slice(1).equals(new Shape(expected.shape()))) {
      return actual.reshape(s.slice(1));
    }
    return actual;
  }

  /** {max|Δ| (-1 on a shape mismatch), values that differ at all}. */
  static long[] compareU8(NDArray actual, HostTensor expected) {
    if (!actual.getShape().equals(new Shape(expected.shape()))) {
      return new long[] {-1, expected.size()};
    }
    float[] a = actual.toFloatArray();
    float[] e = expected.data();
    long max = 0;
    long differ = 0;
    for (int i = 0; i < a.length; i++) {
      long d = Float.isNaN(a[i]) ? 256 : Math.abs(Math.round(a[i]) - Math.round(e[i]));
      max = Math.max(max, d);
      differ += d > 0 ? 1 : 0;
    }
    return new long[] {max, differ};
  }
}
