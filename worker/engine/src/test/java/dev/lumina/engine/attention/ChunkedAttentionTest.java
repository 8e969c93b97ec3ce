package dev.lumina.engine.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class ChunkedAttentionTest {

  @Test
  void manySmallBlocksEqualTheFormulaWithin1e5() {
    AttentionFixtures.gradOff();
    ChunkedAttention kernel = new ChunkedAttention(2 * 3 * 41 * 5); // 5 query rows per block
    assertThat(kernel.rowsPerBlock(2, 3, 37, 41)).isEqualTo(5);
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(11);
      NDArray q = m.randomNormal(new Shape(2, 3, 37, 16));
      NDArray k = m.randomNormal(new Shape(2, 3, 41, 16));
      NDArray v = m.randomNormal(new Shape(2, 3, 41, 16));
      NDArray mask = AttentionFixtures.keyMask(m, 2, 41, new int[] {30, 41});
      NDArray out = kernel.attend(q, k, v, mask, 0.25f);
      assertThat(out.getShape()).isEqualTo(new Shape(2, 3, 37, 16));
      assertThat(AttentionFixtures.maxAbsDiff(out, ReferenceAttention.attend(q, k, v, mask, 0.25f)))
          .isLessThan(1e-5f);
      NDArray single = new ChunkedAttention().attend(q, k, v, null, 0.25f);
      assertThat(
              AttentionFixtures.maxAbsDiff(single, ReferenceAttention.attend(q, k, v, null, 0.25f)))
          .isLessThan(1e-5f);
    }
  }

  @Test
  void badShapesAndScaleAreRejectedNamingTheArgument() {
    ChunkedAttention kernel = new ChunkedAttention();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.ones(new Shape(1, 2, 4, 8));
      NDArray k = m.ones(new Shape(1, 2, 5, 8));
      assertThatThrownBy(() -> kernel.attend(q, k, k, m.ones(new Shape(1, 4)), 1f))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("keyMask must be [B, Nk] = [1, 5]");
      assertThatThrownBy(() -> kernel.attend(q, k, m.ones(new Shape(1, 2, 4, 8)), null, 1f))
          .hasMessageContaining("v must have the shape of k");
      assertThatThrownBy(() -> kernel.attend(q, k, k, null, Float.NaN))
          .hasMessageContaining("scale must be finite and > 0");
      assertThatThrownBy(() -> new ChunkedAttention(0)).hasMessageContaining("scoreBudget");
    }
  }
}
