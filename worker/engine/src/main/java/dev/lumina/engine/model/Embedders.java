package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Conditioning embedders (flag-dit-spec §2.3–2.4) and the final layer (§6). Stateless; thread-safe.
 */
final class Embedders {

  private Embedders() {}

  /**
   * Sinusoidal (cos half first) → Linear → SiLU → Linear; t {@code [B]} in [0, 1], fed raw, or as
   * int(t·1000) for the audio variant.
   */
  static NDArray timestep(Weights w, FlagDitConfig c, NDArray t) {
    if (c.variant() == FlagDitConfig.Variant.AUDIO) {
      t = t.toType(DataType.FLOAT32, false).mul(1000f).floor();
    }
    int half = c.tFreqDim() / 2;
    NDArray freqs =
        t.getManager()
            .arange(0, half, 1, DataType.FLOAT32)
            .mul((float) -Math.log(c.tMaxPeriod()))
            .div((float) half)
            .exp();
    long b = t.getShape().get(0);
    NDArray args = t.toType(DataType.FLOAT32, false).reshape(b, 1).mul(freqs.reshape(1, half));
    NDArray emb = args.cos().concat(args.sin(), 1);
    NDArray hidden = Weights.silu(w.rowLinear(emb, "t_embedder.mlp.0"));
    return w.rowLinear(hidden, "t_embedder.mlp.2");
  }

  /** Masked mean of the raw caption features → LayerNorm → Linear. */
  static NDArray caption(Weights w, NDArray capFeats, NDArray capMask) {
    NDArray m = capMask.expandDims(2);
    NDArray pooled = capFeats.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}));
    return w.rowLinear(
        w.layerNorm(pooled, "cap_embedder.0", FlagDitBlock.LN_EPS), "cap_embedder.1");
  }

  /** LayerNorm (no affine, eps 1e-6) → adaLN (shift, scale) → Linear to p·p·Cout per token. */
  static NDArray finalLayer(Weights w, NDArray x, NDArray condSilu) {
    var mod = w.rowLinear(condSilu, "final_layer.adaLN_modulation.1").split(2, 1);
    NDArray u =
        FlagDitBlock.modulate(
            Weights.plainLayerNorm(x, 1e-6f), mod.get(0).expandDims(1), mod.get(1).expandDims(1));
    return w.linear(u, "final_layer.linear");
  }
}
