package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * Named parameters of one model plus the layer primitives that read them. Every op keeps the
 * request-side array as its left operand, so results attach to the request's manager and never to
 * the (capped) weights manager. Read-only after construction; thread-safe for concurrent forwards.
 */
final class Weights {

  private final Map<String, NDArray> params;

  Weights(Map<String, NDArray> params) {
    this.params = params;
  }

  NDArray get(String key) {
    NDArray a = params.get(key);
    if (a == null) {
      throw new IllegalStateException("no parameter '" + key + "'");
    }
    return a;
  }

  boolean has(String key) {
    return params.containsKey(key);
  }

  /** {@code x·Wᵀ + b} with the Linear at {@code prefix} (bias used when present). */
  NDArray linear(NDArray x, String prefix) {
    NDArray w = get(prefix + ".weight");
    NDArray b = params.get(prefix + ".bias");
    return (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
  }

  /**
   * {@link #linear} of a per-row matrix {@code x [B, K]} (timestep, caption and modulation
   * vectors), computed over a row count padded to a multiple of 4 (the last row repeated, the extra
   * rows dropped): the CPU matmul kernels round rows of matrices with fewer than 12 rows and a row
   * count not a multiple of 4 differently from larger ones, and padding makes each row's result
   * independent of how many rows share the call (step batching relies on it).
   */
  NDArray rowLinear(NDArray x, String prefix) {
    long n = x.getShape().get(0);
    long pad = (4 - n % 4) % 4;
    if (pad == 0) {
      return linear(x, prefix);
    }
    NDArray last = x.get(new ai.djl.ndarray.index.NDIndex((n - 1) + ":"));
    NDArray padded = x.concat(last.repeat(0, pad), 0);
    return linear(padded, prefix).get(new ai.djl.ndarray.index.NDIndex("0:" + n));
  }

  /**
   * A copy of a parameter in {@code ref}'s manager (differentiable), for ops that start from it.
   */
  NDArray local(NDArray ref, String key) {
    NDArray w = get(key);
    return ref.getManager().zeros(w.getShape(), w.getDataType(), w.getDevice()).add(w);
  }

  /**
   * The weights at {@code keys} stacked along axis 0 (e.g. {@code [wq; wk; wv]} for one fused
   * projection), created in {@code ref}'s manager; differentiable with respect to each part.
   */
  NDArray concatRows(NDArray ref, String... keys) {
    NDArray first = get(keys[0]);
    // The result belongs to the head's manager, so the head is an empty [0, in] array in ref's.
    ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList(keys.length + 1);
    parts.add(
        ref.getManager()
            .create(
                new ai.djl.ndarray.types.Shape(0, first.getShape().get(1)),
                first.getDataType(),
                first.getDevice()));
    for (String k : keys) {
      parts.add(get(k));
    }
    return ai.djl.ndarray.NDArrays.concat(parts, 0);
  }

  /** RMSNorm over the last axis in float32: {@code w ⊙ x / sqrt(mean(x²) + eps)}. */
  NDArray rmsNorm(NDArray x, String key, float eps) {
    NDArray inv = x.square().mean(new int[] {-1}, true).add(eps).pow(-0.5f);
    return x.mul(inv).mul(get(key));
  }

  /** LayerNorm over the last axis with affine weight and bias at {@code prefix}. */
  NDArray layerNorm(NDArray x, String prefix, float eps) {
    NDArray w = get(prefix + ".weight");
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, w.getShape(), w, get(prefix + ".bias"), eps)
        .singletonOrThrow();
  }

  /** LayerNorm over the last axis without affine parameters. */
  static NDArray plainLayerNorm(NDArray x, float eps) {
    NDArray centred = x.sub(x.mean(new int[] {-1}, true));
    NDArray var = centred.square().mean(new int[] {-1}, true);
    return centred.mul(var.add(eps).pow(-0.5f));
  }

  static NDArray silu(NDArray x) {
    return x.mul(ai.djl.nn.Activation.sigmoid(x));
  }
}
