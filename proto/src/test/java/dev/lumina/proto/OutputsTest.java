package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.v1.Modality;
import org.junit.jupiter.api.Test;

class OutputsTest {

  @Test
  void namesByKindAndThreeDigitIndex() {
    assertThat(Outputs.fileName(Modality.IMAGE, 0, "png")).isEqualTo("image-000.png");
    assertThat(Outputs.fileName(Modality.MODALITY_UNSPECIFIED, 0, "png"))
        .isEqualTo("image-000.png");
    assertThat(Outputs.fileName(Modality.VIDEO, 3, "png")).isEqualTo("frame-003.png");
    assertThat(Outputs.fileName(Modality.MULTIVIEW, 1, "png")).isEqualTo("view-001.png");
    assertThat(Outputs.fileName(Modality.AUDIO, 0, "wav")).isEqualTo("audio-000.wav");
    assertThat(Outputs.fileName(Modality.VIDEO, 1234, "png")).isEqualTo("frame-1234.png");
  }

  @Test
  void kinds() {
    assertThat(Outputs.kind(Modality.VIDEO)).isEqualTo("frame");
    assertThat(Outputs.kind(Modality.MULTIVIEW)).isEqualTo("view");
    assertThat(Outputs.kind(Modality.AUDIO)).isEqualTo("audio");
    assertThat(Outputs.kind(Modality.IMAGE)).isEqualTo("image");
  }
}
