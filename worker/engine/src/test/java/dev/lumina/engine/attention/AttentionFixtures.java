package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Inputs and comparisons shared by the attention tests. */
final class AttentionFixtures {

  private AttentionFixtures() {}

  /** Loads the engine, then turns autograd off on this thread (tests run on fresh threads). */
  static void gradOff() {
    dev.lumina.engine.pytorch.PyTorch.engine();
    dev.lumina.engine.pytorch.PyTorch.setGradMode(false);
  }

  /** A float key mask [B, Nk] whose row b has ones in its first {@code valid[b]} columns. */
  static NDArray keyMask(NDManager m, int batch, int keys, int[] valid) {
    float[] mask = new float[batch * keys];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < valid[b]; j++) {
        mask[b * keys + j] = 1f;
      }
    }
    return m.create(mask, new ai.djl.ndarray.types.Shape(batch, keys));
  }

  static float maxAbsDiff(NDArray a, NDArray b) {
    try (NDArray d = a.sub(b).abs().max()) {
      return d.getFloat();
    }
  }
}
