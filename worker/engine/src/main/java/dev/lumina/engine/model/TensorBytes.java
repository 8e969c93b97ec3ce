package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float32 tensors as the bytes a {@link dev.lumina.engine.parallel.Collective} carries: row-major,
 * little-endian. Stateless.
 */
final class TensorBytes {

  static {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new ExceptionInInitializerError("shard groups need a little-endian platform");
    }
  }

  private TensorBytes() {}

  /** The bytes of float32 {@code a} (copied to the host). */
  static byte[] of(NDArray a) {
    if (a.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("shard traffic is float32, got " + a.getDataType());
    }
    return a.toByteArray();
  }

  /** A float32 array of {@code shape} in {@code m} holding {@code bytes}. */
  static NDArray array(NDManager m, byte[] bytes, Shape shape) {
    if (bytes.length != shape.size() * 4) {
      throw new IllegalArgumentException(
          "received " + bytes.length + " bytes for a float32 " + shape);
    }
    return m.create(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), shape, DataType.FLOAT32);
  }
}
