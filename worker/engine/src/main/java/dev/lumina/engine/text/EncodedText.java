package dev.lumina.engine.text;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Output of {@link TextEncoder#encode}: per-token features {@code [B, L, Cy]} and a float32 mask
 * {@code [B, L]} (1 = real token, 0 = padding). Closing it closes both arrays.
 *
 * @param features caption features, float32 {@code [B, L, Cy]}
 * @param mask token mask, float32 {@code [B, L]}
 */
public record EncodedText(NDArray features, NDArray mask) implements AutoCloseable {

  public EncodedText {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(mask, "mask");
    if (features.getShape().dimension() != 3) {
      throw new IllegalArgumentException("features must be [B, L, Cy], got " + features.getShape());
    }
    if (mask.getShape().dimension() != 2
        || mask.getShape().get(0) != features.getShape().get(0)
        || mask.getShape().get(1) != features.getShape().get(1)) {
      throw new IllegalArgumentException(
          "mask must be [B, L] matching features "
              + features.getShape()
              + ", got "
              + mask.getShape());
    }
  }

  /** Batch size {@code B}. */
  public int batchSize() {
    return Math.toIntExact(features.getShape().get(0));
  }

  /** Padded token count {@code L}. */
  public int tokens() {
    return Math.toIntExact(features.getShape().get(1));
  }

  @Override
  public void close() {
    features.close();
    mask.close();
  }
}
