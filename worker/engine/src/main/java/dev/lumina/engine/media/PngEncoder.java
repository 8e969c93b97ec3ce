package dev.lumina.engine.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes {@link RgbImage}s as 8-bit RGB PNG files. Stateless and thread-safe. */
public final class PngEncoder {

  /** The media type of what {@link #encode} returns. */
  public static final String MEDIA_TYPE = "image/png";

  private PngEncoder() {}

  /** The picture as a complete PNG file. */
  public static byte[] encode(RgbImage image) {
    int w = image.width();
    int h = image.height();
    BufferedImage buffered = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        row[x] = image.rgbAt(x, y);
      }
      buffered.setRGB(0, y, w, 1, row, 0, w);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(w * h + 1024);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    // A memory-backed stream: ImageIO's default disk cache creates temporary files, which fails
    // once the JVM is shutting down (a draining worker still encodes its last job's outputs).
    try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(buffered);
    } catch (IOException e) {
      // Writing to memory does not fail with I/O errors; surface it as a bug if it ever does.
      throw new UncheckedIOException("PNG encoding failed", e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
