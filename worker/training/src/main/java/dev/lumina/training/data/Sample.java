package dev.lumina.training.data;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;

/**
 * One captioned synthetic sample: its ground-truth scene, a caption and the rendered frames.
 *
 * @param scene what the frames show
 * @param caption the text prompt
 * @param frames one image per frame or view, all the same size
 */
public record Sample(Scene scene, String caption, List<BufferedImage> frames) {

  public Sample {
    Objects.requireNonNull(scene, "scene");
    Objects.requireNonNull(caption, "caption");
    frames = List.copyOf(frames);
    if (frames.size() != scene.frames()) {
      throw new IllegalArgumentException(
          "frames must hold " + scene.frames() + " images, got " + frames.size());
    }
  }

  /** Pixels as float32 {@code [F, 3, H, W]} (frame, channel, row, column) in [-1, 1]. */
  public float[] pixels() {
    BufferedImage first = frames.get(0);
    int w = first.getWidth();
    int h = first.getHeight();
    float[] out = new float[frames.size() * 3 * h * w];
    for (int f = 0; f < frames.size(); f++) {
      writePixels(frames.get(f), out, f * 3 * h * w);
    }
    return out;
  }

  /**
   * Which pixels show the object: {@code [F, H, W]}, 1 where any channel differs from the scene's
   * background colour (anti-aliased edges included), else 0.
   */
  public float[] foregroundMask() {
    BufferedImage first = frames.get(0);
    int w = first.getWidth();
    int h = first.getHeight();
    int bg = scene.background().awt().getRGB() & 0xffffff;
    float[] out = new float[frames.size() * h * w];
    for (int f = 0; f < frames.size(); f++) {
      BufferedImage image = frames.get(f);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(f * h + y) * w + x] = (image.getRGB(x, y) & 0xffffff) == bg ? 0f : 1f;
        }
      }
    }
    return out;
  }

  /**
   * Writes {@code image} as {@code [3, H, W]} in [-1, 1] into {@code out} starting at {@code
   * offset}.
   */
  public static void writePixels(BufferedImage image, float[] out, int offset) {
    int w = image.getWidth();
    int h = image.getHeight();
    int plane = h * w;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        int i = offset + y * w + x;
        out[i] = ((rgb >> 16) & 0xff) / 127.5f - 1f;
        out[i + plane] = ((rgb >> 8) & 0xff) / 127.5f - 1f;
        out[i + 2 * plane] = (rgb & 0xff) / 127.5f - 1f;
      }
    }
  }

  /**
   * The inverse of {@link #writePixels}: {@code [3, H, W]} values in [-1, 1] (clamped) to an RGB
   * image.
   */
  public static BufferedImage toImage(float[] chw, int offset, int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int plane = width * height;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = offset + y * width + x;
        img.setRGB(
            x, y, (byte8(chw[i]) << 16) | (byte8(chw[i + plane]) << 8) | byte8(chw[i + 2 * plane]));
      }
    }
    return img;
  }

  private static int byte8(float v) {
    return Math.round(Math.max(0f, Math.min(1f, (v + 1f) / 2f)) * 255f);
  }
}
