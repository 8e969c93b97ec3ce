package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * 1-D rotary position embedding with interleaved pairs (flag-dit-spec §7.1–7.2): pair i of a head
 * rotates by {@code (m / scaling) · θ^(−2i/Dh)}, θ = rope_theta · ntk. Tables are built in float32
 * per call in the request's manager. Immutable; thread-safe.
 *
 * @param cos {@code [N, Dh/2]}
 * @param sin {@code [N, Dh/2]}
 */
record Rope(NDArray cos, NDArray sin) {

  static Rope table(NDManager m, long n, int headDim, double theta, double scaling) {
    NDArray exps = m.arange(0, headDim, 2, DataType.FLOAT32).div((float) headDim);
    NDArray freqs = m.full(new Shape(headDim / 2), (float) theta).pow(exps).pow(-1f);
    NDArray pos = m.arange(0, (int) n, 1, DataType.FLOAT32).div((float) scaling);
    NDArray angles = pos.reshape(n, 1).mul(freqs.reshape(1, headDim / 2));
    return new Rope(angles.cos(), angles.sin());
  }

  /** Rotates {@code x [B, N, H, Dh]}. */
  NDArray apply(NDArray x) {
    Shape s = x.getShape();
    long n = s.get(1);
    long half = s.get(3) / 2;
    NDArray pairs = x.reshape(s.get(0), n, s.get(2), half, 2);
    NDArray a = pairs.get(new NDIndex("..., 0"));
    NDArray b = pairs.get(new NDIndex("..., 1"));
    NDArray c = cos.reshape(1, n, 1, half);
    NDArray si = sin.reshape(1, n, 1, half);
    NDArray re = a.mul(c).sub(b.mul(si));
    NDArray im = a.mul(si).add(b.mul(c));
    return NDArrays.stack(new ai.djl.ndarray.NDList(re, im), 4).reshape(s);
  }

  /** {@code [N, Dh/2, 2]} of (cos, sin), the layout of the reference's freqs_cis dump. */
  NDArray asPairs() {
    return NDArrays.stack(new ai.djl.ndarray.NDList(cos, sin), 2);
  }
}
