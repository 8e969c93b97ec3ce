package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.lumina.engine.attention.AttentionKernel;
import java.util.Map;

/**
 * One Flag-DiT transformer block (flag-dit-spec §3–§5): adaLN-modulated self-attention with the
 * zero-initialised gated text cross-attention, then a SwiGLU FFN; gates applied raw. Stateless;
 * thread-safe.
 */
final class FlagDitBlock {

  static final float LN_EPS = 1e-5f;

  private FlagDitBlock() {}

  /** Inputs shared by every block of one forward call. */
  record Context(
      NDArray condSilu,
      NDArray xMask,
      Rope rope,
      NDArray capFeats,
      NDArray capMask,
      float selfScale,
      AttentionKernel kernel,
      Map<String, NDArray> trace) {}

  /** The attention of one block: {@code h} the modulated tokens, {@code y} the normed caption. */
  @FunctionalInterface
  interface Attention {
    NDArray apply(Weights w, FlagDitConfig c, String prefix, NDArray h, NDArray y, Context ctx);
  }

  static NDArray forward(Weights w, FlagDitConfig c, int layer, NDArray x, Context ctx) {
    return forward(w, c, layer, x, ctx, FlagDitBlock::attention);
  }

  /**
   * The block with its attention supplied: everything else (modulation, norms, gates, FFN) is
   * token-local, so a rank holding a share of the tokens runs it unchanged.
   */
  static NDArray forward(
      Weights w, FlagDitConfig c, int layer, NDArray x, Context ctx, Attention attention) {
    String p = "layers." + layer + ".";
    NDList mod = w.rowLinear(ctx.condSilu(), p + "adaLN_modulation.1").split(6, 1);
    NDArray shiftMsa = mod.get(0).expandDims(1);
    NDArray scaleMsa = mod.get(1).expandDims(1);
    NDArray gateMsa = mod.get(2).expandDims(1);
    NDArray shiftMlp = mod.get(3).expandDims(1);
    NDArray scaleMlp = mod.get(4).expandDims(1);
    NDArray gateMlp = mod.get(5).expandDims(1);

    NDArray h =
        modulate(w.rmsNorm(x, p + "attention_norm.weight", c.normEps()), shiftMsa, scaleMsa);
    NDArray y = w.rmsNorm(ctx.capFeats(), p + "attention_y_norm.weight", c.normEps());
    NDArray attn = attention.apply(w, c, p + "attention.", h, y, ctx);
    if (ctx.trace() != null) {
      ctx.trace().put("dbg.layer" + layer + ".attention_out", attn);
    }
    x = x.add(gateMsa.mul(attn));

    NDArray h2 = modulate(w.rmsNorm(x, p + "ffn_norm.weight", c.normEps()), shiftMlp, scaleMlp);
    NDArray gate = Weights.silu(w.linear(h2, p + "feed_forward.w1"));
    NDArray ffn = w.linear(gate.mul(w.linear(h2, p + "feed_forward.w3")), p + "feed_forward.w2");
    x = x.add(gateMlp.mul(ffn));
    if (ctx.trace() != null) {
      ctx.trace().put("dbg.layer" + layer + ".out", x);
    }
    return x;
  }

  static NDArray modulate(NDArray u, NDArray shift, NDArray scale) {
    return u.mul(scale.add(1f)).add(shift);
  }

  /** Self-attention over image tokens plus gated text cross-attention, then {@code wo}. */
  static NDArray attention(
      Weights w, FlagDitConfig c, String p, NDArray x, NDArray y, Context ctx) {
    Shape s = x.getShape();
    long b = s.get(0);
    long n = s.get(1);
    long l = y.getShape().get(1);
    int heads = c.nHeads();
    int kvHeads = c.nKvHeads();
    int hd = c.headDim();
    // One matmul for q, k and v over the concatenated [wq; wk; wv] (differentiable, so training
    // sees the current parameters), then views of its three column ranges.
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
      q = w.layerNorm(q, p + "q_norm", LN_EPS);
      k = w.layerNorm(k, p + "k_norm", LN_EPS);
    }
    q = ctx.rope().apply(q.reshape(b, n, heads, hd)).transpose(0, 2, 1, 3);
    k = repeatKv(ctx.rope().apply(k.reshape(b, n, kvHeads, hd)).transpose(0, 2, 1, 3), heads);
    v = repeatKv(v.reshape(b, n, kvHeads, hd).transpose(0, 2, 1, 3), heads);
    NDArray self = ctx.kernel().attend(q, k, v, ctx.xMask(), ctx.selfScale());

    NDArray ky = w.linear(y, p + "wk_y");
    if (c.qkNorm()) {
      ky = w.layerNorm(ky, p + "ky_norm", LN_EPS);
    }
    ky = repeatKv(ky.reshape(b, l, kvHeads, hd).transpose(0, 2, 1, 3), heads);
    NDArray vy =
        repeatKv(w.linear(y, p + "wv_y").reshape(b, l, kvHeads, hd).transpose(0, 2, 1, 3), heads);
    NDArray text = ctx.kernel().attend(q, ky, vy, ctx.capMask(), (float) (1.0 / Math.sqrt(hd)));
    NDArray gate = w.local(x, p + "gate").tanh().reshape(1, heads, 1, 1);
    NDArray o = self.add(text.mul(gate)).transpose(0, 2, 1, 3).reshape(b, n, (long) heads * hd);
    return w.linear(o, p + "wo");
  }

  /** {@code [B, Hkv, N, Dh]} → {@code [B, H, N, Dh]}; query head h uses kv head h / (H/Hkv). */
  static NDArray repeatKv(NDArray kv, int heads) {
    Shape s = kv.getShape();
    long rep = heads / s.get(1);
    if (rep == 1) {
      return kv;
    }
    return kv.expandDims(2)
        .broadcast(new Shape(s.get(0), s.get(1), rep, s.get(2), s.get(3)))
        .reshape(s.get(0), heads, s.get(2), s.get(3));
  }
}
