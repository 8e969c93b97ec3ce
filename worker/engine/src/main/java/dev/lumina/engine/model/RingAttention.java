package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.parallel.Collective;

/**
 * Self-attention over a sequence whose key/value blocks are spread around a ring of R ranks: each
 * rank's queries attend to its own block, then to each block the ring passes on (R − 1 hops), and
 * the per-block results are merged exactly by their log-sum-exp (online softmax), so the result is
 * the attention over the whole sequence. With R = 1 it is the kernel's attention. Stateless.
 */
final class RingAttention {

  /** The bias of a masked key: far below any score, yet finite, so no block yields NaN. */
  private static final float MASKED = -1e9f;

  private RingAttention() {}

  /**
   * {@code softmax(q·kᵀ·scale + mask)·v} over every ring block.
   *
   * @param q {@code [B, h, n, Dh]}: this rank's block of queries
   * @param k {@code [B, hkv, n, Dh]} this rank's key block (kv heads not repeated: they travel so)
   * @param v like {@code k}
   * @param keyMask {@code [B, R·n]}: 1 for keys that count, over the whole sequence
   */
  static NDArray attend(
      Collective ring,
      AttentionKernel kernel,
      NDArray q,
      NDArray k,
      NDArray v,
      NDArray keyMask,
      float scale) {
    int heads = (int) q.getShape().get(1);
    int r = ring.size();
    if (r == 1) {
      return kernel.attend(
          q, FlagDitBlock.repeatKv(k, heads), FlagDitBlock.repeatKv(v, heads), keyMask, scale);
    }
    long b = q.getShape().get(0);
    long n = q.getShape().get(2);
    int kvHeads = (int) k.getShape().get(1);
    NDArray out = null;
    NDArray lse = null;
    NDArray kb = k;
    NDArray vb = v;
    for (int s = 0; s < r; s++) {
      int block = Math.floorMod(ring.rank() - s, r);
      NDArray mask = keyMask.get(new NDIndex(":, {}:{}", block * n, (block + 1) * n));
      NDArray bias = mask.sub(1f).mul(-MASKED).reshape(b, 1, 1, n);
      NDArray scores =
          q.matMul(FlagDitBlock.repeatKv(kb, heads).transpose(0, 1, 3, 2)).mul(scale).add(bias);
      NDArray max = scores.max(new int[] {-1}, true);
      NDArray p = scores.sub(max).exp();
      NDArray sum = p.sum(new int[] {-1}, true);
      NDArray o = p.matMul(FlagDitBlock.repeatKv(vb, heads)).div(sum);
      NDArray l = max.add(sum.log());
      if (out == null) {
        out = o;
        lse = l;
      } else {
        NDArray top = lse.maximum(l);
        NDArray merged = top.add(lse.sub(top).exp().add(l.sub(top).exp()).log());
        out = out.mul(lse.sub(merged).exp()).add(o.mul(l.sub(merged).exp()));
        lse = merged;
      }
      if (s < r - 1) {
        // Keys and values of one block travel as one message: [B, 2·hkv, n, Dh].
        byte[] next = ring.shift(TensorBytes.of(kb.concat(vb, 1)));
        NDArray both =
            TensorBytes.array(
                q.getManager(), next, new Shape(b, 2L * kvHeads, n, k.getShape().get(3)));
        NDList kv = both.split(2, 1);
        kb = kv.get(0);
        vb = kv.get(1);
      }
    }
    return out;
  }
}
