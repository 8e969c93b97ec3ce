package dev.lumina.engine.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TileGridTest {

  @Test
  void tilesCoverEveryPixelExactlyOnce() {
    int[][] cases = {
      {1000, 700, 256}, {512, 512, 512}, {513, 64, 64}, {1, 1, 64}, {640, 1920, 512}
    };
    for (int[] c : cases) {
      int w = c[0];
      int h = c[1];
      int[] covered = new int[w * h];
      List<TileRect> tiles = new TileGrid(w, h, c[2]).tiles();
      for (TileRect t : tiles) {
        assertThat(t.width()).isLessThanOrEqualTo(c[2]);
        assertThat(t.height()).isLessThanOrEqualTo(c[2]);
        for (int y = t.y(); y < t.y() + t.height(); y++) {
          for (int x = t.x(); x < t.x() + t.width(); x++) {
            covered[y * w + x]++;
          }
        }
      }
      for (int i = 0; i < covered.length; i++) {
        assertThat(covered[i]).as("pixel %d of %dx%d tile %d", i, w, h, c[2]).isEqualTo(1);
      }
    }
  }

  @Test
  void tileCountAndEdgeTilesForAnUnevenPicture() {
    List<TileRect> tiles = new TileGrid(1000, 700, 512).tiles();
    assertThat(tiles)
        .containsExactly(
            new TileRect(0, 0, 512, 512),
            new TileRect(512, 0, 488, 512),
            new TileRect(0, 512, 512, 188),
            new TileRect(512, 512, 488, 188));
    assertThat(new TileGrid(1000, 700, 512).tiled()).isTrue();
    assertThat(new TileGrid(512, 512, 512).tiled()).isFalse();
  }

  @Test
  void croppedTilesReassembleTheOriginalPicture() {
    int w = 130;
    int h = 70;
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 31);
    }
    RgbImage image = new RgbImage(w, h, rgb);
    byte[] rebuilt = new byte[rgb.length];
    for (TileRect t : new TileGrid(w, h, 64).tiles()) {
      RgbImage tile = image.crop(t);
      for (int y = 0; y < t.height(); y++) {
        System.arraycopy(
            tile.rgb(), y * t.width() * 3, rebuilt, ((t.y() + y) * w + t.x()) * 3, t.width() * 3);
      }
    }
    assertThat(rebuilt).isEqualTo(rgb);
  }

  @Test
  void zeroTileSizeIsRefusedNamingTheField() {
    assertThatThrownBy(() -> new TileGrid(10, 10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tile_size");
  }
}
