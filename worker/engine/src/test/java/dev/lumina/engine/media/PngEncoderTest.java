package dev.lumina.engine.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngEncoderTest {

  @Test
  void encodedPngDecodesWithImageIoToTheSamePixels() throws IOException {
    int w = 37;
    int h = 19;
    byte[] rgb = new byte[w * h * 3];
    new Random(7).nextBytes(rgb);
    RgbImage image = new RgbImage(w, h, rgb);

    byte[] png = PngEncoder.encode(image);
    BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));

    assertThat(read).isNotNull();
    assertThat(read.getWidth()).isEqualTo(w);
    assertThat(read.getHeight()).isEqualTo(h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        assertThat(read.getRGB(x, y) & 0xffffff)
            .as("pixel (%d, %d)", x, y)
            .isEqualTo(image.rgbAt(x, y));
      }
    }
  }

  @Test
  void signedChannelsFirstMapsMinusOneToBlackAndOneToWhite() {
    // 1x2 picture: pixel 0 all -1, pixel 1 all +1; channel planes are [p0, p1].
    float[] chw = {-1f, 1f, -1f, 1f, -1f, 1f};
    RgbImage image = RgbImage.fromSignedChw(chw, 1, 2);
    assertThat(image.rgbAt(0, 0)).isEqualTo(0x000000);
    assertThat(image.rgbAt(1, 0)).isEqualTo(0xffffff);
  }

  @Test
  void signedChannelsFirstClampsOutOfRangeAndNaN() {
    float[] chw = {5f, Float.NaN, -3f};
    RgbImage image = RgbImage.fromSignedChw(chw, 1, 1);
    assertThat(image.rgbAt(0, 0)).isEqualTo(0xff0000);
  }

  @Test
  void wrongBufferSizeIsRefusedNamingTheField() {
    assertThatThrownBy(() -> new RgbImage(2, 2, new byte[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rgb")
        .hasMessageContaining("12");
  }

  @Test
  void downscaleAveragesBlocksAndKeepsSmallPicturesAsIs() {
    byte[] rgb = new byte[4 * 2 * 3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (byte) ((i / 3) % 2 == 0 ? 0 : 200);
    }
    RgbImage image = new RgbImage(4, 2, rgb);
    RgbImage small = image.downscaleToFit(2);
    assertThat(small.width()).isEqualTo(2);
    assertThat(small.height()).isEqualTo(1);
    assertThat(small.rgbAt(0, 0) >> 16).isEqualTo(100);
    assertThat(image.downscaleToFit(4)).isSameAs(image);
  }

  @Test
  void latentPreviewOfPixelSpaceLatentIsThePicture() {
    // Planes R, G, B over two pixels: pixel 0 red, pixel 1 blue.
    float[] chw = {1f, -1f, -1f, -1f, -1f, 1f};
    RgbImage preview = LatentPreview.project(chw, 3, 1, 2, 256);
    assertThat(preview.rgbAt(0, 0)).isEqualTo(0xff0000);
    assertThat(preview.rgbAt(1, 0)).isEqualTo(0x0000ff);
  }

  @Test
  void latentPreviewFitsTheMaxSideForAnyChannelCount() {
    for (int channels : new int[] {1, 4, 16}) {
      float[] latent = new float[channels * 64 * 32];
      for (int i = 0; i < latent.length; i++) {
        latent[i] = (i % 17) / 8f - 1f;
      }
      RgbImage preview = LatentPreview.project(latent, channels, 64, 32, 16);
      assertThat(Math.max(preview.width(), preview.height())).isLessThanOrEqualTo(16);
      assertThat(PngEncoder.encode(preview)).isNotEmpty();
    }
  }
}
