package dev.lumina.engine.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.junit.jupiter.api.Test;

class WavEncoderTest {

  @Test
  void encodedWavDecodesWithJavaSoundToTheSameSamples()
      throws IOException, UnsupportedAudioFileException {
    float[] samples = new float[1600];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) Math.sin(i * 2 * Math.PI * 440 / 16_000) * 0.5f;
    }
    byte[] wav = WavEncoder.encodePcm16(samples, 16_000);

    try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
      AudioFormat f = in.getFormat();
      assertThat(f.getSampleRate()).isEqualTo(16_000f);
      assertThat(f.getChannels()).isEqualTo(1);
      assertThat(f.getSampleSizeInBits()).isEqualTo(16);
      assertThat(f.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
      assertThat(in.getFrameLength()).isEqualTo(samples.length);
      ByteBuffer pcm = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
      for (float s : samples) {
        assertThat(pcm.getShort() / 32767f)
            .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void samplesBeyondFullScaleAreClipped() {
    byte[] wav = WavEncoder.encodePcm16(new float[] {3f, -3f, Float.NaN}, 8000);
    ByteBuffer pcm = ByteBuffer.wrap(wav, 44, 6).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(pcm.getShort()).isEqualTo((short) 32767);
    assertThat(pcm.getShort()).isEqualTo((short) -32767);
    assertThat(pcm.getShort()).isEqualTo((short) 0);
  }

  @Test
  void zeroSampleRateIsRefusedNamingTheField() {
    assertThatThrownBy(() -> WavEncoder.encodePcm16(new float[1], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sample_rate_hz");
  }
}
