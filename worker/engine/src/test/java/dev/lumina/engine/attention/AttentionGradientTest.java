package dev.lumina.engine.attention;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class AttentionGradientTest {

  @Test
  void fusedAndChunkedGradientsEqualTheFormulasGradients() {
    try (NDManager m = NDManager.newBaseManager();
        TorchScriptSdpa fused = TorchScriptSdpa.create()) {
      Engine.getInstance().setRandomSeed(3);
      NDArray q = m.randomNormal(new Shape(2, 2, 19, 8));
      NDArray k = m.randomNormal(new Shape(2, 2, 23, 8));
      NDArray v = m.randomNormal(new Shape(2, 2, 23, 8));
      NDArray w = m.randomNormal(new Shape(2, 2, 19, 8));
      NDArray mask = AttentionFixtures.keyMask(m, 2, 23, new int[] {23, 12});
      NDArray[] expected = gradients(ReferenceAttention::attend, q, k, v, mask, w);
      NDArray[] viaFused = gradients(fused, q, k, v, mask, w);
      NDArray[] viaChunks = gradients(new ChunkedAttention(2 * 2 * 23 * 4), q, k, v, mask, w);
      for (int i = 0; i < 3; i++) {
        assertThat(AttentionFixtures.maxAbsDiff(expected[i], expected[i].zerosLike()))
            .isGreaterThan(1e-3f);
        assertThat(AttentionFixtures.maxAbsDiff(viaFused[i], expected[i])).isLessThan(1e-5f);
        assertThat(AttentionFixtures.maxAbsDiff(viaChunks[i], expected[i])).isLessThan(1e-5f);
      }
    }
  }

  /** d(sum(attend(q,k,v)·w))/d{q,k,v} on fresh leaf copies. */
  private static NDArray[] gradients(
      AttentionKernel kernel, NDArray q0, NDArray k0, NDArray v0, NDArray mask, NDArray w) {
    NDArray q = q0.duplicate();
    NDArray k = k0.duplicate();
    NDArray v = v0.duplicate();
    for (NDArray leaf : new NDArray[] {q, k, v}) {
      leaf.setRequiresGradient(true);
    }
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray out = kernel.attend(q, k, v, mask, 0.4f);
      collector.backward(out.mul(w).sum());
    }
    return new NDArray[] {q.getGradient(), k.getGradient(), v.getGradient()};
  }
}
