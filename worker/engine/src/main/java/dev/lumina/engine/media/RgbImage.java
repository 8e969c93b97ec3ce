package dev.lumina.engine.media;

/**
 * An 8-bit RGB picture, row-major, three bytes per pixel (red, green, blue).
 *
 * <p>Immutable by convention: the array is not copied, so callers must not change it after
 * construction. Safe to share between threads once built.
 *
 * @param width picture width in pixels, at least 1
 * @param height picture height in pixels, at least 1
 * @param rgb {@code width * height * 3} bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

  /** Largest side accepted, in pixels (the 128K-token context at 8 pixels per latent cell). */
  public static final int MAX_SIDE = 16_384;

  public RgbImage {
    if (width < 1 || width > MAX_SIDE) {
      throw new IllegalArgumentException("width must be in [1, " + MAX_SIDE + "], got " + width);
    }
    if (height < 1 || height > MAX_SIDE) {
      throw new IllegalArgumentException("height must be in [1, " + MAX_SIDE + "], got " + height);
    }
    if (rgb == null || rgb.length != width * height * 3) {
      throw new IllegalArgumentException(
          "rgb must hold width*height*3 = "
              + (width * height * 3)
              + " bytes, got "
              + (rgb == null ? "null" : rgb.length));
    }
  }

  /**
   * Maps a channels-first picture with values in [-1, 1] ({@code [3, height, width]}, the decoder's
   * output convention) to 8-bit RGB: {@code round((v + 1) / 2 * 255)}, clamped.
   */
  public static RgbImage fromSignedChw(float[] chw, int height, int width) {
    int plane = height * width;
    if (chw == null || chw.length != 3 * plane) {
      throw new IllegalArgumentException(
          "chw must hold 3*height*width = "
              + (3 * plane)
              + " values, got "
              + (chw == null ? "null" : chw.length));
    }
    byte[] out = new byte[plane * 3];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        out[i * 3 + c] = toByte((chw[c * plane + i] + 1f) * 0.5f);
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * As {@link #fromSignedChw} but TRUNCATING like the Lumina-T2I demo's PNG ({@code
   * to_pil_image(((x + 1) / 2).clamp(0, 1))}, i.e. {@code image.mul(255).byte()}): {@code (int)
   * (clamp((v + 1) / 2, 0, 1) * 255)}, NaN → 0. Same float32 arithmetic as the reference, so the
   * bytes match it exactly.
   */
  public static RgbImage fromSignedChwTruncated(float[] chw, int height, int width) {
    int plane = height * width;
    if (chw == null || chw.length != 3 * plane) {
      throw new IllegalArgumentException(
          "chw must hold 3*height*width = "
              + (3 * plane)
              + " values, got "
              + (chw == null ? "null" : chw.length));
    }
    byte[] out = new byte[plane * 3];
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        out[i * 3 + c] = (byte) truncatedByte(chw[c * plane + i]);
      }
    }
    return new RgbImage(width, height, out);
  }

  /** {@code (int) (clamp((v + 1) / 2, 0, 1) * 255)} with NaN → 0: the demo's byte for {@code v}. */
  public static int truncatedByte(float signed) {
    float unit = (signed + 1f) / 2f;
    if (!(unit > 0f)) {
      return 0;
    }
    return (int) (Math.min(unit, 1f) * 255f);
  }

  /** Red, green and blue of pixel (x, y) packed as {@code 0xRRGGBB}. */
  public int rgbAt(int x, int y) {
    int o = (y * width + x) * 3;
    return ((rgb[o] & 0xff) << 16) | ((rgb[o + 1] & 0xff) << 8) | (rgb[o + 2] & 0xff);
  }

  /** The pixels inside {@code rect}, which must lie within this picture. */
  public RgbImage crop(TileRect rect) {
    if (rect.x() + rect.width() > width || rect.y() + rect.height() > height) {
      throw new IllegalArgumentException(
          "tile " + rect + " exceeds the picture " + width + "x" + height);
    }
    byte[] out = new byte[rect.width() * rect.height() * 3];
    int rowBytes = rect.width() * 3;
    for (int row = 0; row < rect.height(); row++) {
      System.arraycopy(
          rgb, ((rect.y() + row) * width + rect.x()) * 3, out, row * rowBytes, rowBytes);
    }
    return new RgbImage(rect.width(), rect.height(), out);
  }

  /**
   * A copy scaled down (box filter over whole source pixels) so neither side exceeds {@code
   * maxSide}; this picture itself when it already fits.
   */
  public RgbImage downscaleToFit(int maxSide) {
    if (maxSide < 1) {
      throw new IllegalArgumentException("maxSide must be >= 1, got " + maxSide);
    }
    int factor = (Math.max(width, height) + maxSide - 1) / maxSide;
    if (factor <= 1) {
      return this;
    }
    int w = Math.max(1, width / factor);
    int h = Math.max(1, height / factor);
    byte[] out = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int sum = 0;
          for (int dy = 0; dy < factor; dy++) {
            for (int dx = 0; dx < factor; dx++) {
              sum += rgb[(((y * factor + dy) * width) + x * factor + dx) * 3 + c] & 0xff;
            }
          }
          out[(y * w + x) * 3 + c] = (byte) (sum / (factor * factor));
        }
      }
    }
    return new RgbImage(w, h, out);
  }

  /** Maps [0, 1] to 0..255 with rounding; out-of-range values (and NaN → 0) are clamped. */
  static byte toByte(float unit) {
    float v = unit * 255f + 0.5f;
    if (!(v > 0f)) {
      return 0;
    }
    return (byte) (v >= 255f ? 255 : (int) v);
  }
}
