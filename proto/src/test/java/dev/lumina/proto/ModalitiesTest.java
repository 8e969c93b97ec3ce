package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.v1.Modality;
import org.junit.jupiter.api.Test;

class ModalitiesTest {

  @Test
  void unspecifiedMeansImage() {
    assertThat(Modalities.orDefault(Modality.MODALITY_UNSPECIFIED)).isEqualTo(Modality.IMAGE);
  }

  @Test
  void everyOtherValueIsKept() {
    for (Modality m : Modality.values()) {
      if (m != Modality.MODALITY_UNSPECIFIED) {
        assertThat(Modalities.orDefault(m)).isEqualTo(m);
      }
    }
  }

  @Test
  void allListsTheModalitiesAJobCanHave() {
    assertThat(Modalities.ALL)
        .containsExactly(Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW, Modality.AUDIO);
  }

  @Test
  void tokenBudgetCountsUnspecifiedAsImage() {
    TokenBudget b = new TokenBudget(8, 2, 0);
    assertThat(b.tokens(Modality.MODALITY_UNSPECIFIED, 256, 128, 0, 0, 0))
        .isEqualTo(b.tokens(Modality.IMAGE, 256, 128, 0, 0, 0));
  }
}
