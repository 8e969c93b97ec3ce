package dev.lumina.worker.flagdit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardsTest {
  @TempDir Path dir;

  private static final FlagDitConfig PIXEL_VIDEO =
      new FlagDitConfig(32, 2, 2, 2, true, 16, 2, 3, false, 64, 1e-5f, 10000.0, 32, 10000.0, true);

  @Test
  void trainerCardGivesNameTrainingSizeAndRecommendedSampling() throws IOException {
    Files.writeString(
        dir.resolve(ModelCards.TRAINER_FILE),
        """
        {"name": "lumina-shapes", "pixel_space": true, "train_width": 64, "train_height": 48,
         "video_frames": 6, "views": 4, "default_sampling_steps": 30, "default_cfg_scale": 4.0,
         "default_time_shift": 1.0, "recipe": "anything"}\
        """);
    ModelInfo info = ModelCards.forModel(dir, PIXEL_VIDEO, "w1", 5).getInfo();
    assertThat(info.getName()).isEqualTo("lumina-shapes");
    assertThat(info.getTrainSide()).isEqualTo(64);
    assertThat(info.getDefaultGeometry().getWidth()).isEqualTo(64);
    assertThat(info.getDefaultGeometry().getHeight()).isEqualTo(48);
    assertThat(info.getDefaultGeometry().getFrames()).isEqualTo(6);
    assertThat(info.getDefaultSampling().getSteps()).isEqualTo(30);
    assertThat(info.getDownsample()).isEqualTo(1);
    assertThat(info.getPixelUnit()).isEqualTo(2);
    assertThat(info.getModalitiesList())
        .containsExactly(Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW);
  }

  @Test
  void servingCardOverridesTheTrainerCard() throws IOException {
    Files.writeString(
        dir.resolve(ModelCards.TRAINER_FILE), "{\"name\": \"a\", \"default_sampling_steps\": 30}");
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \"b\", \"default_steps\": 12, \"max_tokens\": 9000}");
    ModelInfo info = ModelCards.forModel(dir, PIXEL_VIDEO, "w1", 5).getInfo();
    assertThat(info.getName()).isEqualTo("b");
    assertThat(info.getDefaultSampling().getSteps()).isEqualTo(12);
    assertThat(info.getMaxTokens()).isEqualTo(9000);
  }

  @Test
  void unknownServingKeyIsRefusedNamingIt() throws IOException {
    Files.writeString(dir.resolve(ModelCards.FILE), "{\"max_tokenz\": 1}");
    assertThatThrownBy(() -> ModelCards.forModel(dir, PIXEL_VIDEO, "w1", 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max_tokenz");
  }

  @Test
  void negativeLimitIsRefusedNamingTheKey() throws IOException {
    Files.writeString(dir.resolve(ModelCards.FILE), "{\"max_side\": -4}");
    assertThatThrownBy(() -> ModelCards.forModel(dir, PIXEL_VIDEO, "w1", 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max_side");
  }
}
