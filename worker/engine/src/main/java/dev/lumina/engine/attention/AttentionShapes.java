package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Argument checks shared by the {@link AttentionKernel} implementations. Stateless. */
final class AttentionShapes {

  private AttentionShapes() {}

  /**
   * Checks the {@link AttentionKernel#attend} contract.
   *
   * @throws IllegalArgumentException naming the argument and the expected shape
   */
  static void check(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale) {
    if (q == null || k == null || v == null) {
      throw new IllegalArgumentException("q, k and v must not be null");
    }
    Shape qs = q.getShape();
    Shape ks = k.getShape();
    Shape vs = v.getShape();
    if (qs.dimension() != 4 || ks.dimension() != 4 || vs.dimension() != 4) {
      throw new IllegalArgumentException(
          "q, k, v must be 4-D [B, H, N, Dh], got q" + qs + " k" + ks + " v" + vs);
    }
    if (ks.get(0) != qs.get(0) || ks.get(1) != qs.get(1) || ks.get(3) != qs.get(3)) {
      throw new IllegalArgumentException(
          "k must be [B, H, Nk, Dh] matching q" + qs + " in B, H and Dh, got k" + ks);
    }
    if (!vs.equals(ks)) {
      throw new IllegalArgumentException("v must have the shape of k" + ks + ", got v" + vs);
    }
    if (keyMask != null) {
      Shape ms = keyMask.getShape();
      if (ms.dimension() != 2 || ms.get(0) != qs.get(0) || ms.get(1) != ks.get(2)) {
        throw new IllegalArgumentException(
            "keyMask must be [B, Nk] = [" + qs.get(0) + ", " + ks.get(2) + "], got " + ms);
      }
    }
    if (!(scale > 0f) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
    }
  }
}
