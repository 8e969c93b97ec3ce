package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * An optional extension for small models trained from scratch: a fixed 2-D sine/cosine embedding of
 * each patch's normalised (row, column) centre, times a learned per-channel gain, added to the
 * patch embeddings (never to {@code [nextline]}, {@code [nextframe]} or pad tokens).
 *
 * <p>Released Lumina checkpoints have no absolute position signal: 1-D RoPE gives only relative
 * positions, and learning where "top left" is from those takes far more training than a small model
 * gets. A checkpoint holding the key {@value #KEY} (shape {@code [D]}) switches this on; one
 * without it runs exactly the reference model. Coordinates are normalised to the picture's extent,
 * so "top left" means the same cells at any resolution or aspect ratio. Stateless.
 */
final class AbsolutePositions {
  /** State-dict key of the learned gain; its presence enables the embedding. */
  static final String KEY = "pos_embed.scale";

  private AbsolutePositions() {}

  /**
   * {@code [frames·rows·cols, D]} in patch order (frame, row, column), on {@code m}: the first D/2
   * channels encode the row, the rest the column, each as sin/cos pairs at geometric frequencies.
   */
  static NDArray table(NDManager m, int frames, int rows, int cols, int dim) {
    if (dim % 4 != 0) {
      throw new IllegalArgumentException("absolute positions need D divisible by 4, got " + dim);
    }
    int quarter = dim / 4;
    float[] out = new float[frames * rows * cols * dim];
    int i = 0;
    for (int f = 0; f < frames; f++) {
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          double u = (r + 0.5) / rows;
          double v = (c + 0.5) / cols;
          for (int k = 0; k < quarter; k++) {
            double freq = Math.PI * Math.pow(2.0, 6.0 * k / quarter);
            out[i + 2 * k] = (float) Math.sin(u * freq);
            out[i + 2 * k + 1] = (float) Math.cos(u * freq);
            out[i + 2 * quarter + 2 * k] = (float) Math.sin(v * freq);
            out[i + 2 * quarter + 2 * k + 1] = (float) Math.cos(v * freq);
          }
          i += dim;
        }
      }
    }
    return m.create(out, new Shape((long) frames * rows * cols, dim));
  }
}
