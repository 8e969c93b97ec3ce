package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Attention from plain engine ops, computed over blocks of query rows so that at most {@code
 * scoreBudget} score elements exist at once. Each block sees every key, so its softmax is exact;
 * the blocks are concatenated along the query axis.
 *
 * <p>Masked keys get a bias of {@code -1e30} before the softmax. All work happens on the inputs'
 * device; temporaries are closed as soon as they are consumed. Under autograd the engine keeps each
 * block's probabilities for the backward pass, so training memory is still {@code O(Nq·Nk)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ChunkedAttention implements AttentionKernel {

  /** Default bound on live score elements: 16 Mi floats = 64 MiB per block. */
  public static final long DEFAULT_SCORE_BUDGET = 1L << 24;

  private static final float MASKED_BIAS = -1e30f;

  private final long scoreBudget;

  /**
   * @param scoreBudget most score elements per block ({@code B·H·rows·Nk}); at least one query row
   *     is always processed per block
   * @throws IllegalArgumentException if {@code scoreBudget < 1}
   */
  public ChunkedAttention(long scoreBudget) {
    if (scoreBudget < 1) {
      throw new IllegalArgumentException("scoreBudget must be >= 1 element, got " + scoreBudget);
    }
    this.scoreBudget = scoreBudget;
  }

  /** A kernel with {@link #DEFAULT_SCORE_BUDGET}. */
  public ChunkedAttention() {
    this(DEFAULT_SCORE_BUDGET);
  }

  /** Query rows per block for these sizes. */
  long rowsPerBlock(long batch, long heads, long queries, long keys) {
    long rows = scoreBudget / Math.max(1, batch * heads * keys);
    return Math.max(1, Math.min(queries, rows));
  }

  @Override
  public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale) {
    AttentionShapes.check(q, k, v, keyMask, scale);
    long[] qs = q.getShape().getShape();
    long keys = k.getShape().get(2);
    long rows = rowsPerBlock(qs[0], qs[1], qs[2], keys);
    List<NDArray> temps = new ArrayList<>();
    try {
      NDArray kT = track(temps, k.transpose(0, 1, 3, 2));
      NDArray bias = null;
      if (keyMask != null) {
        NDArray shifted;
        if (keyMask.getDataType() == DataType.FLOAT32) {
          shifted = track(temps, keyMask.sub(1f));
        } else {
          // toType returns the same array when no conversion is needed, so only track a copy.
          NDArray asFloat = track(temps, keyMask.toType(DataType.FLOAT32, true));
          shifted = track(temps, asFloat.sub(1f));
        }
        NDArray flat = track(temps, shifted.mul(-MASKED_BIAS));
        bias = track(temps, flat.reshape(qs[0], 1, 1, keys));
      }
      NDArray scaledQ = track(temps, q.mul(scale));
      if (rows >= qs[2]) {
        return block(scaledQ, kT, v, bias);
      }
      NDList parts = new NDList();
      try {
        for (long start = 0; start < qs[2]; start += rows) {
          long end = Math.min(qs[2], start + rows);
          try (NDArray qBlock = scaledQ.get(new NDIndex(":, :, {}:{}", start, end))) {
            parts.add(block(qBlock, kT, v, bias));
          }
        }
        return NDArrays.concat(parts, 2);
      } finally {
        parts.close();
      }
    } finally {
      temps.forEach(NDArray::close);
    }
  }

  private static NDArray block(NDArray scaledQ, NDArray kT, NDArray v, NDArray bias) {
    try (NDArray scores = scaledQ.matMul(kT)) {
      if (bias != null) {
        scores.addi(bias);
      }
      try (NDArray probs = scores.softmax(-1)) {
        return probs.matMul(v);
      }
    }
  }

  private static NDArray track(List<NDArray> temps, NDArray array) {
    temps.add(array);
    return array;
  }

  @Override
  public String toString() {
    return "ChunkedAttention[scoreBudget=" + scoreBudget + "]";
  }
}
