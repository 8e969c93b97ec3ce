package dev.lumina.engine.checkpoint;

import java.util.Arrays;

/**
 * A float32 tensor in Java heap memory, row-major, as read from or written to a checkpoint. The
 * record owns its arrays; callers must not mutate {@code data} after handing it over.
 *
 * @param shape dimensions, each >= 0; a scalar has an empty shape
 * @param data elements, exactly the product of {@code shape}
 */
public record HostTensor(long[] shape, float[] data) {

  public HostTensor {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException("shape[" + i + "] must be >= 0, got " + shape[i]);
      }
      n *= shape[i];
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "data length " + data.length + " does not match shape " + Arrays.toString(shape));
    }
    shape = shape.clone();
  }

  /** Number of elements. */
  public long size() {
    return data.length;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor h
        && Arrays.equals(shape, h.shape)
        && Arrays.equals(data, h.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "HostTensor" + Arrays.toString(shape);
  }
}
