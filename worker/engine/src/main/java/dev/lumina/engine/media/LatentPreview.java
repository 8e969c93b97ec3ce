package dev.lumina.engine.media;

/**
 * A cheap picture of a latent, for previews while sampling: a fixed linear projection from latent
 * channels to RGB per latent cell, no decoder run. Stateless and thread-safe.
 *
 * <ul>
 *   <li>3 channels (pixel-space models): the channels are the picture, values in [-1, 1].
 *   <li>4 channels (the SD-family VAE latent the Flag-DiT image models use): the commonly used
 *       least-squares fit of decoded RGB against latent channels.
 *   <li>Any other count: the first (up to) three channels, each stretched over its own range.
 * </ul>
 */
public final class LatentPreview {

  /** Default largest preview side, in pixels. */
  public static final int DEFAULT_MAX_SIDE = 256;

  // Rows: latent channel; columns: R, G, B contribution (output in roughly [-1, 1]).
  private static final float[][] VAE4_TO_RGB = {
    {0.298f, 0.207f, 0.208f},
    {0.187f, 0.286f, 0.173f},
    {-0.158f, 0.189f, 0.264f},
    {-0.184f, -0.271f, -0.473f},
  };

  private LatentPreview() {}

  /**
   * Projects a channels-first latent {@code [channels, height, width]} to RGB and scales it down so
   * neither side exceeds {@code maxSide}.
   */
  public static RgbImage project(float[] latent, int channels, int height, int width, int maxSide) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels must be >= 1, got " + channels);
    }
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("latent size must be >= 1, got " + height + "x" + width);
    }
    int plane = height * width;
    if (latent == null || latent.length != channels * plane) {
      throw new IllegalArgumentException(
          "latent must hold channels*height*width = "
              + (channels * plane)
              + " values, got "
              + (latent == null ? "null" : latent.length));
    }
    RgbImage full;
    if (channels == 3) {
      full = RgbImage.fromSignedChw(latent, height, width);
    } else if (channels == 4) {
      full = RgbImage.fromSignedChw(linear(latent, plane, VAE4_TO_RGB), height, width);
    } else {
      full = RgbImage.fromSignedChw(stretched(latent, channels, plane), height, width);
    }
    return full.downscaleToFit(maxSide);
  }

  private static float[] linear(float[] latent, int plane, float[][] m) {
    float[] out = new float[3 * plane];
    for (int c = 0; c < m.length; c++) {
      for (int i = 0; i < plane; i++) {
        float v = latent[c * plane + i];
        out[i] += v * m[c][0];
        out[plane + i] += v * m[c][1];
        out[2 * plane + i] += v * m[c][2];
      }
    }
    return out;
  }

  private static float[] stretched(float[] latent, int channels, int plane) {
    float[] out = new float[3 * plane];
    for (int rgb = 0; rgb < 3; rgb++) {
      int c = Math.min(rgb, channels - 1);
      float lo = Float.POSITIVE_INFINITY;
      float hi = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < plane; i++) {
        float v = latent[c * plane + i];
        if (Float.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      float span = hi > lo ? hi - lo : 1f;
      for (int i = 0; i < plane; i++) {
        out[rgb * plane + i] = (latent[c * plane + i] - lo) / span * 2f - 1f;
      }
    }
    return out;
  }
}
