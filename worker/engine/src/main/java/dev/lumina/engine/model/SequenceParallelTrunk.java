package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.parallel.Collective;

/**
 * One rank's share of the Flag-DiT trunk under sequence parallelism, Ulysses × Ring (USP;
 * flag-dit-spec §2–§7 with the token sequence split across U·R ranks):
 *
 * <ul>
 *   <li>the arranged sequence is padded to a multiple of U·R with masked pad tokens and sequence
 *       rank q = ρ·U + υ keeps share q, tokens {@code [q·S/(UR), (q+1)·S/(UR))}; RoPE rotates them
 *       by their global positions, and proportional attention uses the global length;
 *   <li>embedders, adaLN, norms and the FFN are token-local and run unchanged ({@link
 *       FlagDitBlock}); inside attention one all-to-all each turns q, k and v from "S/U tokens ×
 *       all heads" into "all tokens × H/U heads" (kv heads likewise), the rank attends over the
 *       whole sequence for its heads, and a fourth all-to-all restores the token split before
 *       {@code wo};
 *   <li>the text cross-attention runs in the head-split layout with the caption replicated on every
 *       rank (no text traffic), each rank using its heads' slice of the gate;
 *   <li>the final layer's tokens are gathered on every rank.
 * </ul>
 *
 * <p>Bytes each rank sends per layer, float32, share {@code s = S/(U·R)}: Ulysses {@code
 * 4·B·s·Dh·(2H + 2Hkv)·(U−1)/U}, Ring {@code 4·B·2·(Hkv/U)·(U·s)·Dh·(R−1)}; plus {@code
 * 4·B·s·p²·Cout·(U·R−1)} for the final gather. Per op, fp32. Stateless.
 */
final class SequenceParallelTrunk {

  private SequenceParallelTrunk() {}

  /** The final layer's output {@code [B, S, p·p·Cout]} (S the padded length) on every rank. */
  static NDArray run(
      Weights weights,
      FlagDitConfig config,
      AttentionKernel kernel,
      Collective all,
      Collective ulysses,
      Collective ring,
      Arranged a,
      NDArray t,
      NDArray capFeats,
      ForwardOptions o) {
    NDManager m = a.x().getManager();
    int u = all.size();
    int r = all.rank();
    long b = a.x().getShape().get(0);
    long n = a.maxN();
    long share = (n + u - 1) / u;
    long padded = share * u;
    NDArray x = a.x();
    NDArray mask = a.xMask();
    if (padded > n) {
      NDArray pads = Arranged.padding(weights, m, padded - n, config.dim()).expandDims(0);
      x = x.concat(pads.broadcast(new Shape(b, padded - n, config.dim())), 1);
      mask = mask.concat(m.zeros(new Shape(b, padded - n)), 1);
    }
    String mine = "{}:{}";
    NDArray local = x.get(new NDIndex(":, " + mine, r * share, (r + 1) * share));
    Rope full =
        Rope.table(
            m, padded, config.headDim(), config.ropeTheta() * o.ntkFactor(), o.ropeScalingFactor());
    Rope rope =
        new Rope(
            full.cos().get(new NDIndex(mine, r * share, (r + 1) * share)),
            full.sin().get(new NDIndex(mine, r * share, (r + 1) * share)));
    NDArray tEmb = Embedders.timestep(weights, config, t);
    NDArray capEmb = Embedders.caption(weights, capFeats, a.capMaskF());
    NDArray condSilu = Weights.silu(tEmb.add(capEmb));
    FlagDitBlock.Context ctx =
        new FlagDitBlock.Context(
            condSilu,
            mask,
            rope,
            capFeats,
            a.capMaskF(),
            o.selfAttentionScale(n, config.headDim()),
            kernel,
            null);
    FlagDitBlock.Attention attention =
        (w, c, p, h, y, cx) -> attention(ulysses, ring, w, c, p, h, y, cx);
    for (int i = 0; i < config.nLayers(); i++) {
      local = FlagDitBlock.forward(weights, config, i, local, ctx, attention);
    }
    NDArray fin = Embedders.finalLayer(weights, local, condSilu);
    byte[][] parts = all.allGather(TensorBytes.of(fin));
    NDList gathered = new NDList(u);
    for (byte[] part : parts) {
      gathered.add(TensorBytes.array(m, part, fin.getShape()));
    }
    return NDArrays.concat(gathered, 1);
  }

  /** {@link FlagDitBlock#attention} with the heads split across Ulysses, blocks around the ring. */
  static NDArray attention(
      Collective g,
      Collective ring,
      Weights w,
      FlagDitConfig c,
      String p,
      NDArray x,
      NDArray y,
      FlagDitBlock.Context ctx) {
    Shape s = x.getShape();
    long b = s.get(0);
    long n = s.get(1);
    long l = y.getShape().get(1);
    int heads = c.nHeads();
    int kvHeads = c.nKvHeads();
    int hd = c.headDim();
    int u = g.size();
    int r = g.rank();
    int hl = heads / u;
    int kl = kvHeads / u;
    long qw = (long) heads * hd;
    long kvw = (long) kvHeads * hd;
    NDArray qkv =
        Linear.linear(x, w.concatRows(x, p + "wq.weight", p + "wk.weight", p + "wv.weight"))
            .singletonOrThrow();
    NDList parts = qkv.split(new long[] {qw, qw + kvw}, 2);
    NDArray q = parts.get(0);
    NDArray k = parts.get(1);
    NDArray v = parts.get(2);
    if (c.qkNorm()) {
      q = w.layerNorm(q, p + "q_norm", FlagDitBlock.LN_EPS);
      k = w.layerNorm(k, p + "k_norm", FlagDitBlock.LN_EPS);
    }
    q = ctx.rope().apply(q.reshape(b, n, heads, hd));
    k = ctx.rope().apply(k.reshape(b, n, kvHeads, hd));
    v = v.reshape(b, n, kvHeads, hd);
    q = tokensToHeads(g, q, hl).transpose(0, 2, 1, 3);
    k = tokensToHeads(g, k, kl).transpose(0, 2, 1, 3);
    v = tokensToHeads(g, v, kl).transpose(0, 2, 1, 3);
    NDArray self = RingAttention.attend(ring, ctx.kernel(), q, k, v, ctx.xMask(), ctx.selfScale());

    NDArray ky = w.linear(y, p + "wk_y");
    if (c.qkNorm()) {
      ky = w.layerNorm(ky, p + "ky_norm", FlagDitBlock.LN_EPS);
    }
    NDIndex myKv = new NDIndex(":, :, {}:{}", r * kl, (r + 1) * kl);
    ky = FlagDitBlock.repeatKv(ky.reshape(b, l, kvHeads, hd).get(myKv).transpose(0, 2, 1, 3), hl);
    NDArray vy =
        FlagDitBlock.repeatKv(
            w.linear(y, p + "wv_y").reshape(b, l, kvHeads, hd).get(myKv).transpose(0, 2, 1, 3), hl);
    NDArray text = ctx.kernel().attend(q, ky, vy, ctx.capMask(), (float) (1.0 / Math.sqrt(hd)));
    NDArray gate =
        w.local(x, p + "gate")
            .tanh()
            .get(new NDIndex("{}:{}", r * hl, (r + 1) * hl))
            .reshape(1, hl, 1, 1);
    NDArray o = self.add(text.mul(gate)).transpose(0, 2, 1, 3);
    o = headsToTokens(g, o, n).reshape(b, n, (long) heads * hd);
    return w.linear(o, p + "wo");
  }

  /**
   * {@code [B, n, G·perRank, Dh]} (this rank's tokens, every head) → {@code [B, U·n, perRank, Dh]}
   * (every token, this rank's heads).
   */
  static NDArray tokensToHeads(Collective g, NDArray a, int perRank) {
    int u = g.size();
    byte[][] out = new byte[u][];
    for (int j = 0; j < u; j++) {
      out[j] = TensorBytes.of(a.get(new NDIndex(":, :, {}:{}", j * perRank, (j + 1) * perRank)));
    }
    Shape s = a.getShape();
    Shape part = new Shape(s.get(0), s.get(1), perRank, s.get(3));
    return concat(a.getManager(), g.allToAll(out), part, 1);
  }

  /** The inverse of {@link #tokensToHeads}: {@code [B, U·n, h, Dh]} → {@code [B, n, U·h, Dh]}. */
  static NDArray headsToTokens(Collective g, NDArray a, long n) {
    int u = g.size();
    byte[][] out = new byte[u][];
    for (int j = 0; j < u; j++) {
      out[j] = TensorBytes.of(a.get(new NDIndex(":, {}:{}", j * n, (j + 1) * n)));
    }
    Shape s = a.getShape();
    Shape part = new Shape(s.get(0), n, s.get(2), s.get(3));
    return concat(a.getManager(), g.allToAll(out), part, 2);
  }

  private static NDArray concat(NDManager m, byte[][] parts, Shape shape, int axis) {
    NDList list = new NDList(parts.length);
    for (byte[] part : parts) {
      list.add(TensorBytes.array(m, part, shape));
    }
    return NDArrays.concat(list, axis);
  }
}
