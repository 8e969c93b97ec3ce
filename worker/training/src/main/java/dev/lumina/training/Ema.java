package dev.lumina.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average of parameters; the exported model uses these weights. The effective
 * decay ramps up as {@code min(decay, (1 + step) / (10 + step))} so early averages are not
 * dominated by the random initialisation.
 *
 * <p>Not thread-safe: one training loop owns it.
 */
final class Ema implements AutoCloseable {

  private final NDManager state;
  private final Map<String, NDArray> shadow = new LinkedHashMap<>();
  private final double decay;

  Ema(Map<String, NDArray> params, NDManager parent, double decay) {
    this.state = parent.newSubManager();
    this.decay = decay;
    params.forEach(
        (k, p) -> {
          shadow.put(k, state.zeros(p.getShape()).add(p));
        });
  }

  /** The averaged weights by parameter name (live arrays). */
  Map<String, NDArray> weights() {
    return shadow;
  }

  /**
   * Folds the current parameters in; temporaries are created in {@code scratch}, where the
   * parameters must already be attached (temporarily) by the caller.
   */
  void update(Map<String, NDArray> params, long step, NDManager scratch) {
    float d = (float) Math.min(decay, (1.0 + step) / (10.0 + step));
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray s = shadow.get(e.getKey());
      s.tempAttach(scratch);
      s.muli(d).addi(e.getValue().mul(1 - d));
    }
  }

  @Override
  public void close() {
    state.close();
  }
}
