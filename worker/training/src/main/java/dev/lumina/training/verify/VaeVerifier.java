package dev.lumina.training.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.Engines;
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
import java.util.Set;

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
    try (VaeDecoder vae =
            VaeDecoder.load(
                dir.resolve("vae"),
                PyTorch.defaultDevice(),
                new ChunkedAttention(),
                TiledDecoding.NEVER);
        NDManager m = PyTorch.newManager(vae.device())) {
      Engines.prepare(vae);
      out.printf(Locale.ROOT, "vae %s%nengine %s fp32%n", vae.config(), vae.engine().flag());
      // The intermediates come from a traced (per-op) decode, the outputs from the engine's.
      Map<String, NDArray> trace = new HashMap<>();
      vae.decode(m.create(latents.data(), new Shape(latents.shape())), trace);
      NDArray decoded = vae.decode(m.create(latents.data(), new Shape(latents.shape())));
      NDArray image = VaePictures.unit(decoded);
      Map<String, NDArray> computed = new HashMap<>(trace);
      computed.put("decoded", decoded);
      computed.put("image", image);
      computed.put("image_u8", VaePictures.roundedU8(image));
      computed.put("image_u8_demo", VaePictures.truncatedU8(image));
      return VectorReport.print(ref, computed::get, Set.of(), out);
    }
  }
}
