package dev.lumina.engine.model;

/**
 * Resolution-extrapolation options of one forward call (flag-dit-spec §7.4). Immutable.
 *
 * @param proportionalAttention self-attention scale {@code sqrt(ln N / ln baseSeqLen / Dh)} with N
 *     the padded sequence length, instead of {@code 1/sqrt(Dh)}
 * @param baseSeqLen N_base for proportional attention ({@code n²+2n}, n = train size / 16); must be
 *     {@code >= 2} when proportional attention is on, ignored otherwise
 * @param ntkFactor NTK-aware RoPE: θ_base = rope_theta · ntkFactor ({@code > 0}, 1 = off)
 * @param ropeScalingFactor linear position interpolation: position / factor ({@code > 0}, 1 = off)
 */
public record ForwardOptions(
    boolean proportionalAttention, int baseSeqLen, double ntkFactor, double ropeScalingFactor) {

  /** Every extrapolation option off. */
  public static final ForwardOptions DEFAULT = new ForwardOptions(false, 0, 1.0, 1.0);

  public ForwardOptions {
    if (proportionalAttention && baseSeqLen < 2) {
      throw new IllegalArgumentException(
          "baseSeqLen must be >= 2 with proportional attention, got " + baseSeqLen);
    }
    if (!(ntkFactor > 0) || Double.isInfinite(ntkFactor)) {
      throw new IllegalArgumentException("ntkFactor must be finite and > 0, got " + ntkFactor);
    }
    if (!(ropeScalingFactor > 0) || Double.isInfinite(ropeScalingFactor)) {
      throw new IllegalArgumentException(
          "ropeScalingFactor must be finite and > 0, got " + ropeScalingFactor);
    }
  }

  /**
   * The Lumina-T2I demo settings for an image of {@code widthPx × heightPx} from a model trained at
   * {@code trainSizePx} (1024): NTK factor = patch-count ratio, proportional attention with N_base
   * = n² + 2n, n = trainSizePx / 16.
   */
  public static ForwardOptions luminaT2i(int widthPx, int heightPx, int trainSizePx) {
    return extrapolation(widthPx, heightPx, trainSizePx, 16);
  }

  /**
   * The same rule for any model whose patch covers {@code pixelUnit} pixels per side (16 for the
   * Lumina latent models: VAE ×8 times patch 2; the patch size for a pixel-space model): NTK factor
   * = patch-count ratio to the training size, proportional attention with N_base = n² + n, n =
   * trainSizePx / pixelUnit — the token count of a training-size image with its {@code [nextline]}
   * tokens, so a training-size image gets exactly the default softmax scale.
   */
  public static ForwardOptions extrapolation(
      int widthPx, int heightPx, int trainSizePx, int pixelUnit) {
    if (pixelUnit < 1) {
      throw new IllegalArgumentException("pixelUnit must be >= 1, got " + pixelUnit);
    }
    if (widthPx < pixelUnit || heightPx < pixelUnit || trainSizePx < pixelUnit) {
      throw new IllegalArgumentException(
          "widthPx, heightPx and trainSizePx must be >= pixelUnit " + pixelUnit);
    }
    double n = trainSizePx / pixelUnit;
    double ntk = ((widthPx / pixelUnit) * (double) (heightPx / pixelUnit)) / (n * n);
    // Lumina's own N_base is n² + 2n; for n = 64 (1024 px) that differs from n² + n by 1.5 %, and
    // the reference value is kept there for parity.
    long base = pixelUnit == 16 ? (long) (n * n + 2 * n) : (long) (n * n + n);
    return new ForwardOptions(true, (int) Math.max(2, base), ntk, 1.0);
  }

  /** Softmax scale of self-attention for a padded sequence of {@code n} tokens. */
  public float selfAttentionScale(long n, int headDim) {
    if (proportionalAttention) {
      return (float) Math.sqrt(Math.log(n) / Math.log(baseSeqLen) / headDim);
    }
    return (float) (1.0 / Math.sqrt(headDim));
  }
}
