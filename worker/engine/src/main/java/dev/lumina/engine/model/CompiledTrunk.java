package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.pytorch.CompiledModule;
import dev.lumina.engine.pytorch.ScriptBuilder;
import java.util.List;
import java.util.Map;

/**
 * The Flag-DiT trunk as one TorchScript module: timestep and caption embedders, every block (adaLN,
 * self-attention with RoPE and fused SDPA, gated text cross-attention, SwiGLU FFN) and the final
 * layer, run by one native call per forward instead of one per op. Patch embedding, layout tokens,
 * padding and unpatchify stay in Java ({@link FlagDit}); the module starts from the arranged token
 * sequence and returns the final layer's output per token.
 *
 * <p>The module's source is generated for one {@link FlagDitConfig} (layers unrolled, optional
 * biases and qk-norm resolved, constants inlined) and it takes the weights as a list argument, so
 * it owns no tensors. The op order of every formula mirrors the per-op path ({@link FlagDitBlock},
 * {@link Embedders}, {@link Rope}) so that fp32 results agree to rounding.
 *
 * <p>{@link Precision#BF16} casts every Linear weight and bias to bfloat16 once, at compile time,
 * inside libtorch (the copies never become Java arrays); activations enter each matmul and the
 * attention kernels in bfloat16 and leave them in float32, so the residual stream, the norms'
 * statistics, the modulation and the softmax accumulation stay in float32 — what {@code
 * torch.autocast(bfloat16)} does for the reference.
 *
 * <p>Thread-safe: libtorch runs one module from several threads; {@link #close} must not race with
 * {@link #run}.
 */
final class CompiledTrunk implements AutoCloseable {

  private static final String CLASS = "LuminaFlagDitTrunk";

  private final CompiledModule module;
  private final Precision precision;

  private CompiledTrunk(CompiledModule module, Precision precision) {
    this.module = module;
    this.precision = precision;
  }

  /**
   * Generates, loads and prepares the module for {@code config} over {@code params}.
   *
   * @throws ai.djl.engine.EngineException if libtorch rejects the module
   */
  static CompiledTrunk compile(
      FlagDitConfig config, Map<String, NDArray> params, Precision precision) {
    Source source = new Source(config, params, precision);
    String code = source.methods();
    return new CompiledTrunk(source.b.build(CLASS + "_" + precision.name(), code), precision);
  }

  /** Keys of the weights this trunk holds as its own bfloat16 copies (none in fp32). */
  List<String> lowPrecisionKeys() {
    return module.lowPrecisionKeys();
  }

  /** Bytes of this trunk's own bfloat16 weight copies (0 in fp32: it reads the model's arrays). */
  long lowPrecisionBytes() {
    return module.lowPrecisionBytes();
  }

  Precision precision() {
    return precision;
  }

  /**
   * The final layer's output {@code [B, N, p·p·Cout]} for tokens {@code x [B, N, D]}, attached to
   * {@code x}'s manager.
   */
  NDArray run(
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      NDArray xMask,
      double ropeTheta,
      double ropeScaling,
      double selfScale) {
    return module.forward(x, t, capFeats, capMask, xMask, ropeTheta, ropeScaling, selfScale);
  }

  @Override
  public void close() {
    module.close();
  }

  /** The generated TorchScript source and the order of the weights it reads. */
  static final class Source {
    final ScriptBuilder b;
    private final FlagDitConfig c;
    private final Precision precision;

    Source(FlagDitConfig c, Map<String, NDArray> params, Precision precision) {
      this.c = c;
      this.precision = precision;
      this.b = new ScriptBuilder(params, precision == Precision.BF16);
    }

    String methods() {
      int heads = c.nHeads();
      int kv = c.nKvHeads();
      int hd = c.headDim();
      int half = c.tFreqDim() / 2;
      int rep = heads / kv;
      float eps = c.normEps();

      b.line("b = torch.size(x, 0)");
      b.line("n = torch.size(x, 1)");
      b.line("l = torch.size(cap, 1)");
      b.line("dev = x.device");
      // Timestep embedder: sinusoid (cos half first) → Linear → SiLU → Linear.
      b.line(
          "freqs = torch.exp(torch.div(torch.mul(torch.arange("
              + half
              + ", dtype=6, device=dev), "
              + ScriptBuilder.lit((float) -Math.log(c.tMaxPeriod()))
              + "), "
              + ScriptBuilder.lit((float) half)
              + "))");
      if (c.variant() == FlagDitConfig.Variant.AUDIO) {
        b.line("tt = torch.floor(torch.mul(torch.to(t, 6), 1000.0))");
      } else {
        b.line("tt = torch.to(t, 6)");
      }
      b.line(
          "targs = torch.mul(torch.reshape(tt, [b, 1]), torch.reshape(freqs, [1, " + half + "]))");
      b.line("temb = torch.cat([torch.cos(targs), torch.sin(targs)], 1)");
      b.line("th = " + b.rowLinear("temb", "t_embedder.mlp.0"));
      b.line("th = torch.mul(th, torch.sigmoid(th))");
      b.line("temb = " + b.rowLinear("th", "t_embedder.mlp.2"));
      // Caption embedder: masked mean → LayerNorm → Linear.
      b.line("cm = torch.unsqueeze(cap_mask, 2)");
      b.line("pooled = torch.div(torch.sum(torch.mul(cap, cm), [1]), torch.sum(cm, [1]))");
      b.line(
          "pooled = "
              + b.layerNorm("pooled", "cap_embedder.0", c.capFeatDim(), FlagDitBlock.LN_EPS));
      b.line("cemb = " + b.rowLinear("pooled", "cap_embedder.1"));
      b.line("adaln = torch.add(temb, cemb)");
      b.line("cond = torch.mul(adaln, torch.sigmoid(adaln))");
      // RoPE tables over the padded sequence.
      b.line(
          "exps = torch.div(torch.arange(0, "
              + hd
              + ", 2, dtype=6, device=dev), "
              + ScriptBuilder.lit((float) hd)
              + ")");
      b.line(
          "rf = torch.pow(torch.pow(torch.full(["
              + hd / 2
              + "], theta, dtype=6, device=dev), exps), -1.0)");
      b.line("pos = torch.div(torch.arange(n, dtype=6, device=dev), scaling)");
      b.line("ang = torch.mul(torch.reshape(pos, [n, 1]), torch.reshape(rf, [1, " + hd / 2 + "]))");
      b.line("rc = torch.reshape(torch.cos(ang), [1, n, 1, " + hd / 2 + "])");
      b.line("rs = torch.reshape(torch.sin(ang), [1, n, 1, " + hd / 2 + "])");
      // A mask that keeps every key is left out: SDPA then takes its unmasked kernel.
      b.line("xkeep: Optional[Tensor] = None");
      b.line("if not bool(torch.all(torch.ne(x_mask, 0))):");
      b.line("  xkeep = torch.unsqueeze(torch.unsqueeze(torch.ne(x_mask, 0), 1), 1)");
      b.line("ckeep: Optional[Tensor] = None");
      b.line("if not bool(torch.all(torch.ne(cap_mask, 0))):");
      b.line("  ckeep = torch.unsqueeze(torch.unsqueeze(torch.ne(cap_mask, 0), 1), 1)");
      String textScale = ScriptBuilder.lit((float) (1.0 / Math.sqrt(hd)));

      for (int i = 0; i < c.nLayers(); i++) {
        String p = "layers." + i + ".";
        String a = p + "attention.";
        b.line(
            "mod = torch.chunk(torch.unsqueeze("
                + b.rowLinear("cond", p + "adaLN_modulation.1")
                + ", 1), 6, 2)");
        b.line(
            "h = torch.add(torch.mul("
                + b.rms("x", p + "attention_norm.weight", eps)
                + ", torch.add(mod[1], 1.0)), mod[0])");
        b.line("y = " + b.rms("cap", p + "attention_y_norm.weight", eps));
        b.line("q = " + b.linear("h", a + "wq"));
        b.line("k = " + b.linear("h", a + "wk"));
        b.line("v = " + b.linear("h", a + "wv"));
        if (c.qkNorm()) {
          b.line("q = " + b.layerNorm("q", a + "q_norm", (long) heads * hd, FlagDitBlock.LN_EPS));
          b.line("k = " + b.layerNorm("k", a + "k_norm", (long) kv * hd, FlagDitBlock.LN_EPS));
        }
        b.line(
            "q = torch.transpose(self.rope(torch.reshape(q, [b, n, "
                + heads
                + ", "
                + hd
                + "]), rc, rs), 1, 2)");
        b.line(
            "k = torch.transpose(self.rope(torch.reshape(k, [b, n, "
                + kv
                + ", "
                + hd
                + "]), rc, rs), 1, 2)");
        b.line("v = torch.transpose(torch.reshape(v, [b, n, " + kv + ", " + hd + "]), 1, 2)");
        b.line("ky = " + b.linear("y", a + "wk_y"));
        if (c.qkNorm()) {
          b.line("ky = " + b.layerNorm("ky", a + "ky_norm", (long) kv * hd, FlagDitBlock.LN_EPS));
        }
        b.line("ky = torch.transpose(torch.reshape(ky, [b, l, " + kv + ", " + hd + "]), 1, 2)");
        b.line(
            "vy = torch.transpose(torch.reshape("
                + b.linear("y", a + "wv_y")
                + ", [b, l, "
                + kv
                + ", "
                + hd
                + "]), 1, 2)");
        if (rep > 1) {
          for (String s : new String[] {"k", "v", "ky", "vy"}) {
            b.line(s + " = torch.repeat_interleave(" + s + ", " + rep + ", 1)");
          }
        }
        b.line("so = " + b.sdpa("q", "k", "v", "xkeep", false, "self_scale"));
        b.line("to = " + b.sdpa("q", "ky", "vy", "ckeep", false, textScale));
        b.line(
            "g = torch.reshape(torch.tanh("
                + b.w(a + "gate", false)
                + "), [1, "
                + heads
                + ", 1, 1])");
        b.line(
            "o = torch.reshape(torch.transpose(torch.add(so, torch.mul(to, g)), 1, 2), [b, n, "
                + (long) heads * hd
                + "])");
        b.line("x = torch.add(x, torch.mul(mod[2], " + b.linear("o", a + "wo") + "))");
        b.line(
            "h = torch.add(torch.mul("
                + b.rms("x", p + "ffn_norm.weight", eps)
                + ", torch.add(mod[4], 1.0)), mod[3])");
        b.line("f1 = " + b.linear("h", p + "feed_forward.w1"));
        b.line(
            "f = torch.mul(torch.mul(f1, torch.sigmoid(f1)), "
                + b.linear("h", p + "feed_forward.w3")
                + ")");
        b.line("x = torch.add(x, torch.mul(mod[5], " + b.linear("f", p + "feed_forward.w2") + "))");
      }
      b.line(
          "fm = torch.chunk(torch.unsqueeze("
              + b.rowLinear("cond", "final_layer.adaLN_modulation.1")
              + ", 1), 2, 2)");
      // LayerNorm without affine parameters, written out as the per-op path computes it.
      b.line("xc = torch.sub(x, torch.mean(x, [-1], True))");
      b.line("var = torch.mean(torch.mul(xc, xc), [-1], True)");
      b.line(
          "u = torch.add(torch.mul(torch.mul(xc, torch.pow(torch.add(var, 1e-06), -0.5)),"
              + " torch.add(fm[1], 1.0)), fm[0])");
      b.line("return " + b.linear("u", "final_layer.linear"));

      String self = "self: __torch__." + CLASS + "_" + precision.name();
      StringBuilder out = new StringBuilder();
      out.append("  def forward(")
          .append(self)
          .append(
              ", ws: List[Tensor], x: Tensor, t: Tensor, cap: Tensor, cap_mask: Tensor,"
                  + " x_mask: Tensor, theta: float, scaling: float, self_scale: float)"
                  + " -> Tensor:\n")
          .append(b.body());
      out.append("  def rope(")
          .append(self)
          .append(", x: Tensor, c: Tensor, s: Tensor) -> Tensor:\n")
          .append("    sh = torch.size(x)\n")
          .append("    pr = torch.reshape(x, [sh[0], sh[1], sh[2], " + hd / 2 + ", 2])\n")
          .append("    a = torch.select(pr, 4, 0)\n")
          .append("    bb = torch.select(pr, 4, 1)\n")
          .append("    re = torch.sub(torch.mul(a, c), torch.mul(bb, s))\n")
          .append("    im = torch.add(torch.mul(a, s), torch.mul(bb, c))\n")
          .append("    return torch.reshape(torch.stack([re, im], 4), sh)\n");
      out.append(b.prepareMethod(self));
      return out.toString();
    }
  }
}
