package dev.lumina.training.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Writes an evaluation set's samples as one PNG grid plus a text file of the prompts, row by row.
 */
final class SampleGrid {

  private SampleGrid() {}

  /**
   * Does nothing when {@code dir} is null. Tiles are laid out 8 per row (a clip's frames fill a
   * row).
   */
  static void write(Path dir, String setName, List<BufferedImage> tiles, List<String> prompts)
      throws IOException {
    if (dir == null || tiles.isEmpty()) {
      return;
    }
    Files.createDirectories(dir);
    int cols = 8;
    int rows = (tiles.size() + cols - 1) / cols;
    int w = tiles.get(0).getWidth();
    int h = tiles.get(0).getHeight();
    int gap = 2;
    BufferedImage grid =
        new BufferedImage(cols * (w + gap), rows * (h + gap), BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < tiles.size(); i++) {
      grid.getGraphics()
          .drawImage(tiles.get(i), (i % cols) * (w + gap), (i / cols) * (h + gap), null);
    }
    String file = setName.replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("-+$", "");
    ImageIO.write(grid, "png", dir.resolve(file + ".png").toFile());
    Files.write(dir.resolve(file + ".txt"), prompts, StandardCharsets.UTF_8);
  }
}
