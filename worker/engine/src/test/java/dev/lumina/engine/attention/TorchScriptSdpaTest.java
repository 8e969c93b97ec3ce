package dev.lumina.engine.attention;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TorchScriptSdpaTest {

  private static TorchScriptSdpa kernel;

  @BeforeAll
  static void load() {
    kernel = TorchScriptSdpa.create();
  }

  @AfterAll
  static void release() {
    kernel.close();
  }

  @Test
  void maskedFusedAttentionEqualsTheFormulaWithin1e5() {
    AttentionFixtures.gradOff();
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(7);
      NDArray q = m.randomNormal(new Shape(2, 3, 37, 16));
      NDArray k = m.randomNormal(new Shape(2, 3, 41, 16));
      NDArray v = m.randomNormal(new Shape(2, 3, 41, 16));
      NDArray mask = AttentionFixtures.keyMask(m, 2, 41, new int[] {41, 29});
      float scale = 0.31f;
      NDArray fused = kernel.attend(q, k, v, mask, scale);
      NDArray expected = ReferenceAttention.attend(q, k, v, mask, scale);
      assertThat(fused.getShape()).isEqualTo(new Shape(2, 3, 37, 16));
      assertThat(AttentionFixtures.maxAbsDiff(fused, expected)).isLessThan(1e-5f);
      NDArray unmasked = kernel.attend(q, k, v, null, scale);
      NDArray expectedUnmasked = ReferenceAttention.attend(q, k, v, null, scale);
      assertThat(AttentionFixtures.maxAbsDiff(unmasked, expectedUnmasked)).isLessThan(1e-5f);
      assertThat(AttentionFixtures.maxAbsDiff(unmasked, fused)).isGreaterThan(1e-3f);
    }
  }
}
