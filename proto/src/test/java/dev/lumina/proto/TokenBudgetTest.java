package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.v1.Modality;
import org.junit.jupiter.api.Test;

class TokenBudgetTest {
  private final TokenBudget latent = new TokenBudget(8, 2, 0);

  @Test
  void imageOf1024SquareHas4160Tokens() {
    assertThat(latent.tokens(Modality.IMAGE, 1024, 1024, 0, 0, 0)).isEqualTo(64 * 65);
  }

  @Test
  void videoAddsOneNextFramePerFrame() {
    long perFrame = latent.pictureTokens(256, 128);
    assertThat(perFrame).isEqualTo(8 * 17);
    assertThat(latent.tokens(Modality.VIDEO, 256, 128, 8, 0, 0)).isEqualTo(8 * (perFrame + 1));
    assertThat(latent.tokens(Modality.MULTIVIEW, 256, 128, 0, 4, 0)).isEqualTo(4 * (perFrame + 1));
  }

  @Test
  void audioCountsLatentFrames() {
    TokenBudget audio = new TokenBudget(1, 1, 25.0);
    assertThat(audio.tokens(Modality.AUDIO, 0, 0, 0, 0, 2.0)).isEqualTo(50);
    assertThatThrownBy(() -> latent.audioTokens(1.0)).hasMessageContaining("no audio");
    // A float duration widened to double must not gain a frame from its representation error.
    assertThat(new TokenBudget(1, 1, 8000).audioTokens(0.05f)).isEqualTo(400);
    assertThat(new TokenBudget(1, 1, 8000).audioTokens(0.0501)).isEqualTo(401);
  }

  @Test
  void sizeNotAMultipleOfThePixelUnitIsRefusedNamingTheField() {
    assertThatThrownBy(() -> latent.pictureTokens(1000, 1024))
        .hasMessageContaining("width")
        .hasMessageContaining("16");
  }

  @Test
  void tiersPlaceByTheSmallestBoundThatHolds() {
    Tiers tiers = Tiers.defaults();
    assertThat(tiers.tierFor(4160).orElseThrow().name()).isEqualTo("s");
    assertThat(tiers.tierFor(4225).orElseThrow().name()).isEqualTo("m");
    assertThat(tiers.tierFor(131_073)).isEmpty();
    assertThat(Topics.work(Modality.VIDEO, "m")).isEqualTo("lumina.work.video.m");
    assertThatThrownBy(() -> Tiers.parse("s=10,m=5")).hasMessageContaining("increase");
  }
}
