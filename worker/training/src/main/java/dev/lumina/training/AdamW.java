package dev.lumina.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) whose moment estimates can be saved and restored, so an
 * interrupted run resumes with the same optimiser state. Updates run in place on the parameters and
 * must be called outside any gradient recording.
 *
 * <p>Not thread-safe: one training loop owns it.
 */
final class AdamW implements AutoCloseable {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPS = 1e-8f;

  private final NDManager state;
  private final Map<String, NDArray> m = new LinkedHashMap<>();
  private final Map<String, NDArray> v = new LinkedHashMap<>();
  private final float weightDecay;

  AdamW(Map<String, NDArray> params, NDManager parent, double weightDecay) {
    this.state = parent.newSubManager();
    this.weightDecay = (float) weightDecay;
    params.forEach(
        (k, p) -> {
          m.put(k, state.zeros(p.getShape()));
          v.put(k, state.zeros(p.getShape()));
        });
  }

  /** First moments by parameter name (live arrays, for checkpoints). */
  Map<String, NDArray> firstMoments() {
    return m;
  }

  /** Second moments by parameter name (live arrays, for checkpoints). */
  Map<String, NDArray> secondMoments() {
    return v;
  }

  /** Sets both moment estimates to zero (a fresh optimiser over the same parameters). */
  void reset() {
    m.values().forEach(a -> a.set(new ai.djl.ndarray.index.NDIndex("..."), 0f));
    v.values().forEach(a -> a.set(new ai.djl.ndarray.index.NDIndex("..."), 0f));
  }

  /**
   * One update of every parameter. {@code step} counts from 1 (bias correction); gradients are
   * scaled by {@code gradScale} (clipping) first. Temporaries are created in {@code scratch}.
   */
  void update(
      Map<String, NDArray> params,
      Map<String, NDArray> grads,
      long step,
      float lr,
      float gradScale,
      NDManager scratch) {
    float bc1 = (float) (1 - Math.pow(BETA1, step));
    float bc2 = (float) (1 - Math.pow(BETA2, step));
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String k = e.getKey();
      NDArray p = e.getValue();
      NDArray g = grads.get(k).mul(gradScale);
      NDArray mk = m.get(k);
      NDArray vk = v.get(k);
      mk.tempAttach(scratch);
      vk.tempAttach(scratch);
      mk.muli(BETA1).addi(g.mul(1 - BETA1));
      vk.muli(BETA2).addi(g.square().mul(1 - BETA2));
      NDArray denom = vk.div(bc2).sqrt().add(EPS);
      NDArray delta = mk.div(bc1).div(denom).mul(lr);
      if (weightDecay > 0 && p.getShape().dimension() >= 2) {
        p.muli(1 - lr * weightDecay);
      }
      p.subi(delta);
    }
  }

  @Override
  public void close() {
    state.close();
  }
}
