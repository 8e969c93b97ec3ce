package dev.lumina.deploy.demo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Lays pictures side by side, each enlarged by an integer factor with nearest-neighbour sampling
 * (so a 32-pixel picture stays crisp at 128), separated by white gaps. Stateless.
 */
public final class GalleryStrip {
  /** Largest enlargement accepted. */
  public static final int MAX_SCALE = 16;

  private GalleryStrip() {}

  /**
   * One strip of {@code parts} in order, each scaled by {@code scale}, {@code gap} pixels apart;
   * the strip is as tall as the tallest scaled part.
   *
   * @throws IllegalArgumentException when {@code parts} is empty, {@code scale} is outside
   *     1..{@value #MAX_SCALE} or {@code gap} is negative
   */
  public static BufferedImage of(List<BufferedImage> parts, int scale, int gap) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("parts must not be empty");
    }
    if (scale < 1 || scale > MAX_SCALE) {
      throw new IllegalArgumentException("scale must be in 1.." + MAX_SCALE + ", got " + scale);
    }
    if (gap < 0) {
      throw new IllegalArgumentException("gap must be >= 0, got " + gap);
    }
    int width = gap * (parts.size() - 1);
    int height = 0;
    for (BufferedImage p : parts) {
      width += p.getWidth() * scale;
      height = Math.max(height, p.getHeight() * scale);
    }
    BufferedImage strip = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = strip.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
    } finally {
      g.dispose();
    }
    int x0 = 0;
    for (BufferedImage p : parts) {
      for (int y = 0; y < p.getHeight() * scale; y++) {
        for (int x = 0; x < p.getWidth() * scale; x++) {
          strip.setRGB(x0 + x, y, p.getRGB(x / scale, y / scale));
        }
      }
      x0 += p.getWidth() * scale + gap;
    }
    return strip;
  }
}
