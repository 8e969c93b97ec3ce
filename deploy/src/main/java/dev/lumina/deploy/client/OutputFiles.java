package dev.lumina.deploy.client;

import dev.lumina.proto.v1.Tile;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/**
 * The files one job's stream writes into a folder: whole frames, views, images and audio segments
 * as they arrive, and tiles held back until the job completes, then joined into whole pictures. Not
 * thread-safe: one stream, one reader thread.
 */
final class OutputFiles {
  private final Path dir;
  private final List<Path> written = new ArrayList<>();
  private final Map<Integer, List<Tile>> tiles = new TreeMap<>();

  OutputFiles(Path dir) {
    this.dir = dir;
  }

  /** Paths written so far, in the order written. */
  List<Path> written() {
    return List.copyOf(written);
  }

  void write(String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    written.add(p);
  }

  void tile(Tile t) {
    tiles.computeIfAbsent(t.getFrame(), k -> new ArrayList<>()).add(t);
  }

  /**
   * Joins the tiles of each frame into one PNG named by {@code names}; throws naming an unreadable
   * tile.
   */
  void flushTiles(IntFunction<String> names) throws IOException {
    for (Map.Entry<Integer, List<Tile>> e : tiles.entrySet()) {
      int w = 0;
      int h = 0;
      for (Tile t : e.getValue()) {
        w = Math.max(w, t.getX() + t.getWidth());
        h = Math.max(h, t.getY() + t.getHeight());
      }
      BufferedImage whole = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = whole.createGraphics();
      try {
        for (Tile t : e.getValue()) {
          BufferedImage part = ImageIO.read(new ByteArrayInputStream(t.getData().toByteArray()));
          if (part == null) {
            throw new IOException(
                "tile at ("
                    + t.getX()
                    + ", "
                    + t.getY()
                    + ") of frame "
                    + e.getKey()
                    + " is not a readable image");
          }
          g.drawImage(part, t.getX(), t.getY(), null);
        }
      } finally {
        g.dispose();
      }
      Path p = dir.resolve(names.apply(e.getKey()));
      if (!ImageIO.write(whole, "png", p.toFile())) {
        throw new IOException("no PNG writer");
      }
      written.add(p);
    }
    tiles.clear();
  }
}
