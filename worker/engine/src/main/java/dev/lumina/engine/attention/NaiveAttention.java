package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Reference attention kernel: {@code softmax(q·kᵀ·scale + bias)·v} with explicit matmuls, where
 * masked keys get a bias of −1e30 (their weight underflows to exactly 0 in float32). It
 * materialises the full {@code [B, H, Nq, Nk]} score tensor, so it is meant for parity checks,
 * small models and training at low resolution, not for long sequences. Differentiable. Stateless
 * and thread-safe.
 */
public final class NaiveAttention implements AttentionKernel {

  private static final float MASKED = -1e30f;

  @Override
  public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale) {
    NDArray scores = q.mul(scale).matMul(k.transpose(0, 1, 3, 2));
    if (keyMask != null) {
      long b = keyMask.getShape().get(0);
      long nk = keyMask.getShape().get(1);
      NDArray m =
          keyMask.getDataType() == DataType.FLOAT32
              ? keyMask
              : keyMask.toType(DataType.FLOAT32, false);
      NDArray bias = m.sub(1f).mul(-MASKED).reshape(b, 1, 1, nk);
      scores = scores.add(bias);
    }
    return scores.softmax(-1).matMul(v);
  }
}
