package dev.lumina.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * The decoder's layer primitives over named float32 weights. Every op keeps the activation as its
 * left operand, so results attach to the activation's manager, never to the (capped) weights
 * manager, and closes its own temporaries at once: decoder activations at full resolution are the
 * largest arrays of a request. Read-only; thread-safe for concurrent decodes.
 */
final class VaeOps {

  private final Map<String, NDArray> params;
  private final int groups;
  private final float eps;

  VaeOps(Map<String, NDArray> params, int groups, float eps) {
    this.params = params;
    this.groups = groups;
    this.eps = eps;
  }

  NDArray get(String key) {
    NDArray a = params.get(key);
    if (a == null) {
      throw new IllegalStateException("no VAE weight '" + key + "'");
    }
    return a;
  }

  boolean has(String key) {
    return params.containsKey(key);
  }

  /** 2-D convolution at {@code prefix}, stride 1, "same" padding (kernel size / 2). */
  NDArray conv(NDArray x, String prefix) {
    NDArray w = get(prefix + ".weight");
    NDArray b = params.get(prefix + ".bias");
    long kh = w.getShape().get(2);
    long kw = w.getShape().get(3);
    return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(kh / 2, kw / 2), new Shape(1, 1), 1)
        .singletonOrThrow();
  }

  /** {@code x·Wᵀ + b} over the last axis with the Linear at {@code prefix}. */
  NDArray linear(NDArray x, String prefix) {
    NDArray w = get(prefix + ".weight");
    NDArray b = params.get(prefix + ".bias");
    return (b == null ? Linear.linear(x, w) : Linear.linear(x, w, b)).singletonOrThrow();
  }

  /**
   * GroupNorm over {@code [B, C, H, W]}: statistics over each group's channels and pixels (biased
   * variance, eps {@link VaeConfig#NORM_EPS}), then the per-channel affine at {@code prefix}.
   */
  NDArray groupNorm(NDArray x, String prefix) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    NDArray out;
    try (NDArray grouped = x.reshape(b, groups, -1);
        NDArray mean = grouped.mean(new int[] {2}, true)) {
      out = grouped.sub(mean);
    }
    try (NDArray sq = out.square();
        NDArray var = sq.mean(new int[] {2}, true);
        NDArray shifted = var.add(eps);
        NDArray inv = shifted.pow(-0.5f)) {
      out.muli(inv);
    }
    // Norm weights are stored as [1, C, 1, 1] (see VaeDecoder).
    NDArray w = get(prefix + ".weight");
    NDArray bias = get(prefix + ".bias");
    if (w.getShape().get(1) != c) {
      throw new IllegalStateException(prefix + " has " + w.getShape() + " for " + c + " channels");
    }
    try (NDArray shaped = out.reshape(s)) {
      out.close();
      NDArray scaled = shaped.mul(w);
      scaled.addi(bias);
      return scaled;
    }
  }

  /** {@code x * sigmoid(x)} in place; returns {@code x}. */
  static NDArray siluInPlace(NDArray x) {
    try (NDArray s = Activation.sigmoid(x)) {
      return x.muli(s);
    }
  }

  /** {@code silu(groupNorm(x))}. */
  NDArray normSilu(NDArray x, String prefix) {
    return siluInPlace(groupNorm(x, prefix));
  }

  /**
   * diffusers {@code ResnetBlock2D}: {@code shortcut(x) +
   * conv2(silu(norm2(conv1(silu(norm1(x))))))} with a 1x1 {@code conv_shortcut} when the channel
   * count changes.
   */
  NDArray resnet(NDArray x, String p) {
    NDArray h;
    try (NDArray n1 = normSilu(x, p + ".norm1")) {
      h = conv(n1, p + ".conv1");
    }
    NDArray out;
    try (NDArray n2 = normSilu(h, p + ".norm2")) {
      h.close();
      out = conv(n2, p + ".conv2");
    }
    if (has(p + ".conv_shortcut.weight")) {
      try (NDArray s = conv(x, p + ".conv_shortcut")) {
        out.addi(s);
      }
    } else {
      out.addi(x);
    }
    return out;
  }

  /** Nearest-neighbour 2x upsampling of {@code [B, C, H, W]}. */
  static NDArray upsampleNearest2x(NDArray x) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long h = s.get(2);
    long w = s.get(3);
    try (NDArray v = x.reshape(b, c, h, 1, w, 1);
        NDArray e = v.broadcast(new Shape(b, c, h, 2, w, 2))) {
      return e.reshape(b, c, 2 * h, 2 * w);
    }
  }
}
