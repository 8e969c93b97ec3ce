package dev.lumina.training.bench;

import dev.lumina.engine.model.FlagDitConfig;

/**
 * One forward configuration to time: a Flag-DiT of width {@code dim}, {@code heads} heads and
 * {@code layers} blocks on a square latent of side {@code latentSide}, batch {@code batch}, with
 * {@code textTokens} caption tokens of width {@code capFeatDim}.
 *
 * <p>Image tokens follow the T2I layout (flag-dit-spec §2.2): {@code g·(g+1)} with {@code g =
 * latentSide / 2}, so latent 32 gives 272 tokens and latent 64 gives 1056.
 */
public record ForwardCase(
    int dim, int heads, int layers, int batch, int latentSide, int textTokens, int capFeatDim) {

  public ForwardCase {
    positive("dim", dim);
    positive("heads", heads);
    positive("layers", layers);
    positive("batch", batch);
    positive("textTokens", textTokens);
    positive("capFeatDim", capFeatDim);
    if (latentSide < 2 || latentSide % 2 != 0) {
      throw new IllegalArgumentException("latentSide must be even and >= 2, got " + latentSide);
    }
    if (dim % heads != 0) {
      throw new IllegalArgumentException("dim " + dim + " must be divisible by heads " + heads);
    }
  }

  /** The case with {@code tokens = g·(g+1)} image tokens and 32 text tokens of width 512. */
  public static ForwardCase of(int dim, int heads, int layers, int batch, int tokens) {
    int g = (int) Math.round((Math.sqrt(1.0 + 4.0 * tokens) - 1) / 2);
    if ((long) g * (g + 1) != tokens) {
      throw new IllegalArgumentException(
          "tokens must be g·(g+1) for a square latent (272, 1056, 4160, ...), got " + tokens);
    }
    return new ForwardCase(dim, heads, layers, batch, 2 * g, 32, 512);
  }

  /** Image tokens per sample, eol tokens included. */
  public int tokens() {
    int g = latentSide / 2;
    return g * (g + 1);
  }

  /** The model config: Lumina defaults (qk-norm, p = 2, C = 4, learn_sigma, FFN rule). */
  public FlagDitConfig config() {
    return FlagDitConfig.of(dim, layers, heads, capFeatDim);
  }

  /**
   * Multiply-add FLOPs (2 per MAC) of one forward, counted from the config: every projection (q, k,
   * v, o, text k/v, SwiGLU w1/w3/w2, adaLN, patch embedder, final linear, timestep and caption
   * embedders) and both attention matmuls (q·kᵀ and p·v) for self- and cross-attention. Elementwise
   * work (norms, softmax, RoPE, modulation) is not counted.
   */
  public double flops() {
    FlagDitConfig c = config();
    double b = batch;
    double n = tokens();
    double d = dim;
    double l = textTokens;
    double cy = capFeatDim;
    double dc = c.condDim();
    double f = c.ffnHiddenDim();
    double kv = (double) c.nKvHeads() * c.headDim();
    double perLayer =
        2 * b * n * d * (d + 2 * kv + d) // wq, wk, wv, wo
            + 2 * b * 2 * n * n * d // q·kᵀ and p·v over all heads
            + 2 * b * l * cy * 2 * kv // wk_y, wv_y
            + 2 * b * 2 * n * l * d // text q·kᵀ and p·v
            + 2 * b * n * d * f * 3 // w1, w3, w2
            + 2 * b * dc * 6 * d; // adaLN
    double outer =
        2 * b * n * c.patchInputs() * d // x_embedder (eol/pad rows included, an upper bound)
            + 2 * b * n * d * c.patchSize() * c.patchSize() * c.outChannels() // final linear
            + 2 * b * dc * 2 * d // final adaLN
            + 2 * b * (c.tFreqDim() * dc + dc * dc) // t embedder MLP
            + 2 * b * cy * dc; // caption embedder
    return perLayer * layers + outer;
  }

  /** A short label such as {@code d384/h6/L8 B2}. */
  public String label() {
    return "d" + dim + "/h" + heads + "/L" + layers + " B" + batch;
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }
}
