package dev.lumina.engine.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatentRgbProjectionTest {

  @Test
  void sdxlPreviewHasOnePixelPerCellAndStaysInRange() {
    int h = 24;
    int w = 40;
    float[] latent = new float[4 * h * w];
    Random r = new Random(3);
    for (int i = 0; i < latent.length; i++) {
      latent[i] = (float) r.nextGaussian();
    }
    float[] signed = LatentRgbProjection.SDXL.signedChw(latent, h, w);
    assertThat(signed).hasSize(3 * h * w);
    // Cell (0, 0) by hand: bias + Σ latent[c]·factor[c][rgb].
    float[][] f = LatentRgbProjection.SDXL.factors();
    float[] b = LatentRgbProjection.SDXL.bias();
    for (int rgb = 0; rgb < 3; rgb++) {
      float expect = b[rgb];
      for (int c = 0; c < 4; c++) {
        expect += latent[c * h * w] * f[c][rgb];
      }
      assertThat(signed[rgb * h * w]).isCloseTo(expect, org.assertj.core.data.Offset.offset(1e-6f));
    }
    RgbImage img = LatentRgbProjection.SDXL.preview(latent, h, w, 256);
    assertThat(img.width()).isEqualTo(w);
    assertThat(img.height()).isEqualTo(h);
    RgbImage small = LatentRgbProjection.SDXL.preview(latent, h, w, 20);
    assertThat(Math.max(small.width(), small.height())).isLessThanOrEqualTo(20);
  }

  @Test
  void zeroLatentShowsTheBiasColour() {
    RgbImage img = LatentRgbProjection.SDXL.preview(new float[4 * 2 * 3], 2, 3, 64);
    // bias (0.1084, -0.0175, -0.0011) → round((v + 1) / 2 · 255) = (141, 125, 127)
    assertThat(img.rgbAt(2, 1)).isEqualTo((141 << 16) | (125 << 8) | 127);
  }

  @Test
  void rejectsAWrongChannelCount() {
    assertThatThrownBy(() -> LatentRgbProjection.SDXL.signedChw(new float[3 * 4], 2, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truncatingBytesFollowTheDemo() {
    assertThat(RgbImage.truncatedByte(1f)).isEqualTo(255);
    assertThat(RgbImage.truncatedByte(-1f)).isZero();
    assertThat(RgbImage.truncatedByte(Float.NaN)).isZero();
    assertThat(RgbImage.truncatedByte(2f)).isEqualTo(255);
    // (0.5 + 1) / 2 · 255 = 191.25 → 191 (rounding gives 191 too); 0.0 → 127.5 → 127 (rounding 128)
    assertThat(RgbImage.truncatedByte(0f)).isEqualTo(127);
    assertThat(RgbImage.fromSignedChw(new float[3], 1, 1).rgbAt(0, 0) >> 16).isEqualTo(128);
  }
}
