package dev.lumina.engine.media;

/**
 * One rectangle of a tiled picture, in pixels.
 *
 * @param x left edge, at least 0
 * @param y top edge, at least 0
 * @param width at least 1
 * @param height at least 1
 */
public record TileRect(int x, int y, int width, int height) {
  public TileRect {
    if (x < 0 || y < 0) {
      throw new IllegalArgumentException("tile origin must be >= 0, got (" + x + ", " + y + ")");
    }
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("tile size must be >= 1, got " + width + "x" + height);
    }
  }
}
