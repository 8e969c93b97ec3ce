package dev.lumina.engine.media;

/**
 * A per-cell linear map from latent channels to RGB ({@code rgb = Σ_c latent[c]·factors[c] + bias},
 * output roughly in [-1, 1]) for previews that never run a VAE decoder. Immutable and thread-safe.
 *
 * @param factors {@code [channels][3]}: each latent channel's R, G, B contribution
 * @param bias R, G, B offsets
 */
public record LatentRgbProjection(float[][] factors, float[] bias) {

  /**
   * The SDXL latent space (the sampler's scaled latents, as Lumina-T2I's SDXL VAE expects):
   * ComfyUI's least-squares fit, {@code comfy/latent_formats.py} class {@code SDXL}, fields {@code
   * latent_rgb_factors} and {@code latent_rgb_factors_bias} (github.com/comfyanonymous/ComfyUI).
   */
  public static final LatentRgbProjection SDXL =
      new LatentRgbProjection(
          new float[][] {
            {0.3651f, 0.4232f, 0.4341f},
            {-0.2533f, -0.0042f, 0.1068f},
            {0.1076f, 0.1111f, -0.0362f},
            {-0.3165f, -0.2492f, -0.2188f},
          },
          new float[] {0.1084f, -0.0175f, -0.0011f});

  public LatentRgbProjection {
    if (factors.length < 1 || bias.length != 3) {
      throw new IllegalArgumentException("need at least one channel and 3 bias values");
    }
    float[][] copy = new float[factors.length][];
    for (int c = 0; c < factors.length; c++) {
      if (factors[c].length != 3) {
        throw new IllegalArgumentException("factors[" + c + "] must hold R, G, B");
      }
      copy[c] = factors[c].clone();
    }
    factors = copy;
    bias = bias.clone();
  }

  /** Latent channels this projection takes. */
  public int channels() {
    return factors.length;
  }

  @Override
  public float[][] factors() {
    float[][] copy = new float[factors.length][];
    for (int c = 0; c < factors.length; c++) {
      copy[c] = factors[c].clone();
    }
    return copy;
  }

  @Override
  public float[] bias() {
    return bias.clone();
  }

  /**
   * Signed RGB {@code [3, height, width]} of a channels-first latent {@code [C, height, width]}.
   */
  public float[] signedChw(float[] latent, int height, int width) {
    int plane = height * width;
    if (height < 1 || width < 1 || latent == null || latent.length != factors.length * plane) {
      throw new IllegalArgumentException(
          "latent must hold " + factors.length + "*height*width values, height and width >= 1");
    }
    float[] out = new float[3 * plane];
    for (int rgb = 0; rgb < 3; rgb++) {
      java.util.Arrays.fill(out, rgb * plane, (rgb + 1) * plane, bias[rgb]);
    }
    for (int c = 0; c < factors.length; c++) {
      for (int i = 0; i < plane; i++) {
        float v = latent[c * plane + i];
        out[i] += v * factors[c][0];
        out[plane + i] += v * factors[c][1];
        out[2 * plane + i] += v * factors[c][2];
      }
    }
    return out;
  }

  /**
   * A preview picture, one pixel per latent cell, scaled down so neither side exceeds {@code
   * maxSide}.
   */
  public RgbImage preview(float[] latent, int height, int width, int maxSide) {
    return RgbImage.fromSignedChw(signedChw(latent, height, width), height, width)
        .downscaleToFit(maxSide);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatentRgbProjection p
        && java.util.Arrays.deepEquals(factors, p.factors)
        && java.util.Arrays.equals(bias, p.bias);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.deepHashCode(factors) + java.util.Arrays.hashCode(bias);
  }

  @Override
  public String toString() {
    return "LatentRgbProjection[" + factors.length + " channels]";
  }
}
