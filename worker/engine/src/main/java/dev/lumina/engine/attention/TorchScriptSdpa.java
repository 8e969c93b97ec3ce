package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.pytorch.ScriptedModule;

/**
 * Fused attention: libtorch's {@code torch.scaled_dot_product_attention} reached through two small
 * TorchScript modules (with and without a key mask) written by {@link TorchScriptArchive}.
 *
 * <p>libtorch picks the kernel from the inputs' device and dtype: the blocked flash kernel on CPU,
 * flash or memory-efficient attention on CUDA; none materialises the full score matrix. The key
 * mask {@code [B, Nk]} becomes a boolean {@code [B, 1, 1, Nk]} mask inside the module (non-zero =
 * attend); the scale is passed through as a 0-dim tensor. Gradients flow to {@code q}, {@code k}
 * and {@code v} when grad mode is on and they require gradients.
 *
 * <p>Thread-safe. {@link #close} releases the modules and must not race with {@link #attend}.
 */
public final class TorchScriptSdpa implements AttentionKernel, AutoCloseable {

  private static final String SIGNATURE_END = " -> Tensor:\n";

  private final ScriptedModule unmasked;
  private final ScriptedModule masked;

  private TorchScriptSdpa(ScriptedModule unmasked, ScriptedModule masked) {
    this.unmasked = unmasked;
    this.masked = masked;
  }

  /**
   * Builds and loads the two modules.
   *
   * @throws ai.djl.engine.EngineException if the engine cannot load TorchScript or lacks SDPA
   */
  public static TorchScriptSdpa create() {
    ScriptedModule plain =
        ScriptedModule.compile(
            "LuminaSdpa",
            "  def forward(self: __torch__.LuminaSdpa, q: Tensor, k: Tensor, v: Tensor,"
                + " scale: Tensor)"
                + SIGNATURE_END
                + "    s = float(scale)\n"
                + "    return torch.scaled_dot_product_attention(q, k, v, None, 0., False,"
                + " scale=s)\n");
    try {
      ScriptedModule withMask =
          ScriptedModule.compile(
              "LuminaSdpaMasked",
              "  def forward(self: __torch__.LuminaSdpaMasked, q: Tensor, k: Tensor, v: Tensor,"
                  + " key_mask: Tensor, scale: Tensor)"
                  + SIGNATURE_END
                  + "    keep = torch.unsqueeze(torch.unsqueeze(torch.ne(key_mask, 0), 1), 1)\n"
                  + "    s = float(scale)\n"
                  + "    return torch.scaled_dot_product_attention(q, k, v, keep, 0., False,"
                  + " scale=s)\n");
      return new TorchScriptSdpa(plain, withMask);
    } catch (RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Override
  public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale) {
    AttentionShapes.check(q, k, v, keyMask, scale);
    try (NDArray s = q.getManager().create(scale)) {
      return keyMask == null ? unmasked.call(q, k, v, s) : masked.call(q, k, v, keyMask, s);
    }
  }

  @Override
  public void close() {
    unmasked.close();
    masked.close();
  }

  @Override
  public String toString() {
    return "TorchScriptSdpa";
  }
}
