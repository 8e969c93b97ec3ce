package dev.lumina.engine.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element types the reader accepts; all are widened to float32 on read. The integer types (token
 * ids, byte strings, lengths in reference vector files) are exact in float32 up to 2^24.
 */
public enum TensorDType {
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  U8(1);

  private final int bytes;

  TensorDType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The dtype for a safetensors dtype string, or a {@link CheckpointFormatException}. */
  static TensorDType parse(String name, String tensor) {
    for (TensorDType d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    throw new CheckpointFormatException(
        "tensor '" + tensor + "' has dtype " + name + "; supported: F32, F16, BF16, I64, I32, U8");
  }

  /** Decodes {@code out.length} little-endian elements starting at the buffer's position. */
  void decode(ByteBuffer src, float[] out) {
    ByteBuffer b = src.order(ByteOrder.LITTLE_ENDIAN);
    switch (this) {
      case F32 -> b.asFloatBuffer().get(out);
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(b.getShort(b.position() + 2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(b.position() + 2 * i) & 0xffff) << 16);
        }
      }
      case I64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getLong(b.position() + 8 * i);
        }
      }
      case I32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt(b.position() + 4 * i);
        }
      }
      case U8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(b.position() + i) & 0xff;
        }
      }
      default -> throw new IllegalStateException(name());
    }
  }

  /** IEEE 754 binary16 to float32, exact (subnormals, infinities and NaN included). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** float32 to binary16 with round-to-nearest-even (used by tests and by F16 writers). */
  public static short floatToHalf(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int exp = (x >>> 23) & 0xff;
    int mant = x & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - e;
      int half = mant >>> shift;
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }
}
