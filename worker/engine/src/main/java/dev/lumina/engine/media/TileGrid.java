package dev.lumina.engine.media;

import java.util.ArrayList;
import java.util.List;

/**
 * How a picture is cut into tiles for delivery ({@code Output.tile_size}): row-major squares of
 * {@code tileSize} pixels, the last column and row cut short at the picture's edge, so the tiles
 * cover every pixel exactly once. A picture that fits in one tile is one tile.
 *
 * @param width picture width in pixels, at least 1
 * @param height picture height in pixels, at least 1
 * @param tileSize tile side in pixels, at least 1
 */
public record TileGrid(int width, int height, int tileSize) {

  /** Server default when the request leaves {@code Output.tile_size} at 0. */
  public static final int DEFAULT_TILE_SIZE = 512;

  public TileGrid {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("picture size must be >= 1, got " + width + "x" + height);
    }
    if (tileSize < 1) {
      throw new IllegalArgumentException("tile_size must be >= 1, got " + tileSize);
    }
  }

  /** Whether the picture is larger than one tile on either side (and so travels as tiles). */
  public boolean tiled() {
    return width > tileSize || height > tileSize;
  }

  /** The tiles, row by row, left to right. */
  public List<TileRect> tiles() {
    List<TileRect> out = new ArrayList<>();
    for (int y = 0; y < height; y += tileSize) {
      for (int x = 0; x < width; x += tileSize) {
        out.add(new TileRect(x, y, Math.min(tileSize, width - x), Math.min(tileSize, height - y)));
      }
    }
    return out;
  }
}
