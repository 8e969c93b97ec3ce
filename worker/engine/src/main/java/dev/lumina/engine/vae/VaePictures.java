package dev.lumina.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.lumina.engine.media.RgbImage;

/**
 * The Lumina-T2I demo's post-processing of a decoded picture: {@code image = ((decoded + 1) /
 * 2).clamp(0, 1)}, and its 8-bit forms: the demo's PNG bytes {@code image.mul(255).byte()}
 * (TRUNCATION, what {@code to_pil_image} stores) and the rounded {@code torch.round(image * 255)}
 * (half to even) the reference vectors also carry. Stateless and thread-safe.
 */
public final class VaePictures {

  private VaePictures() {}

  /** {@code ((decoded + 1) / 2).clamp(0, 1)}, same shape, in the decoded array's manager. */
  public static NDArray unit(NDArray decoded) {
    try (NDArray shifted = decoded.add(1f)) {
      shifted.divi(2f);
      return shifted.clip(0f, 1f);
    }
  }

  /** The demo's bytes as float values 0..255: {@code trunc(unit * 255)}. */
  public static NDArray truncatedU8(NDArray unit) {
    try (NDArray scaled = unit.mul(255f)) {
      return scaled.floor();
    }
  }

  /** {@code round(unit * 255)} with ties to even, as float values 0..255. */
  public static NDArray roundedU8(NDArray unit) {
    try (NDArray scaled = unit.mul(255f)) {
      return scaled.round();
    }
  }

  /**
   * Picture {@code index} of a decoded batch {@code [B, 3, H, W]} as the demo's PNG pixels
   * (truncating; see {@link RgbImage#fromSignedChwTruncated}).
   */
  public static RgbImage toImage(NDArray decoded, int index) {
    long[] s = decoded.getShape().getShape();
    if (s.length != 4 || s[1] != 3 || index < 0 || index >= s[0]) {
      throw new IllegalArgumentException(
          "need [B, 3, H, W] and 0 <= index < B, got " + decoded.getShape() + ", " + index);
    }
    float[] chw;
    try (NDArray row = decoded.get(new NDIndex("{}", index))) {
      chw = row.toFloatArray();
    }
    return RgbImage.fromSignedChwTruncated(chw, (int) s[2], (int) s[3]);
  }
}
