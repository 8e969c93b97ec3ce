package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;

/** The textbook formula with the full score matrix, for comparing kernels on small inputs. */
final class ReferenceAttention {

  private ReferenceAttention() {}

  /** {@code softmax(q·kᵀ·scale + (mask-1)·1e30)·v}; result attached to q's manager. */
  static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale) {
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
    if (keyMask != null) {
      long[] s = keyMask.getShape().getShape();
      NDArray bias =
          keyMask
              .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
              .sub(1f)
              .mul(1e30f)
              .reshape(s[0], 1, 1, s[1]);
      scores = scores.add(bias);
    }
    return scores.softmax(-1).matMul(v);
  }
}
