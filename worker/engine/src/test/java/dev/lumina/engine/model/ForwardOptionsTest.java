package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ForwardOptionsTest {

  @Test
  void pixelSpaceModelAtItsTrainingSizeKeepsTheDefaultScaleAndRope() {
    // 32 px with 4 px patches: 8 rows of 8 patches + [nextline] = 72 tokens.
    ForwardOptions o = ForwardOptions.extrapolation(32, 32, 32, 4);
    assertThat(o.baseSeqLen()).isEqualTo(72);
    assertThat(o.ntkFactor()).isEqualTo(1.0);
    assertThat(o.selfAttentionScale(72, 32)).isCloseTo((float) (1 / Math.sqrt(32)), within(1e-7f));
  }

  @Test
  void twiceTheTrainingSideQuadruplesTheNtkFactorAndSharpensAttention() {
    ForwardOptions o = ForwardOptions.extrapolation(64, 64, 32, 4);
    assertThat(o.ntkFactor()).isEqualTo(4.0);
    assertThat(o.selfAttentionScale(16 * 17, 32)).isGreaterThan((float) (1 / Math.sqrt(32)));
  }

  @Test
  void luminaLatentModelsKeepTheReferenceBase() {
    ForwardOptions o = ForwardOptions.luminaT2i(1024, 1024, 1024);
    assertThat(o.baseSeqLen()).isEqualTo(4224);
    assertThat(o.ntkFactor()).isEqualTo(1.0);
    assertThatThrownBy(() -> ForwardOptions.extrapolation(2, 32, 32, 4))
        .hasMessageContaining("pixelUnit");
  }
}
