package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.pytorch.ScriptBuilder;
import dev.lumina.engine.pytorch.ScriptValue;
import dev.lumina.engine.pytorch.ScriptedModule;
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

  private final ScriptedModule module;
  private final ScriptValue weights;
  private final Precision precision;
  private final List<String> lowKeys;
  private final long lowBytes;

  private CompiledTrunk(
      ScriptedModule module,
      ScriptValue weights,
      Precision precision,
      List<String> lowKeys,
      long lowBytes) {
    this.module = module;
    this.weights = weights;
    this.precision = precision;
    this.lowKeys = List.copyOf(lowKeys);
    this.lowBytes = lowBytes;
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
    ScriptedModule module = ScriptedModule.compile(CLASS + "_" + precision.name(), code);
    try {
      ScriptValue prepared = source.b.prepare(module);
      return new CompiledTrunk(
          module, prepared, precision, source.b.lowKeys(), source.b.lowBytes());
    } catch (RuntimeException e) {
      module.close();
      throw e;
    }
  }

  /** Keys of the weights this trunk holds as its own bfloat16 copies (none in fp32). */
  List<String> lowPrecisionKeys() {
    return lowKeys;
  }

  /** Bytes of this trunk's own bfloat16 weight copies (0 in fp32: it reads the model's arrays). */
  long lowPrecisionBytes() {
    return lowBytes;
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
    return module.invoke(
        "forward", weights, x, t, capFeats, capMask, xMask, ropeTheta, ropeScaling, selfScale);
  }

  @Override
  public void close() {
    weights.close();
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

    private String w(String key, boolean matmul) {
      return b.w(key, matmul);
    }

    private String linear(String x, String prefix) {
      return b.linear(x, prefix);
    }

    private String layerNorm(String x, String prefix, long width, float eps) {
      return b.layerNorm(x, prefix, width, eps);
    }

    private String rms(String x, String key, float eps) {
      return b.rms(x, key, eps);
    }

    private String sdpa(String q, String k, String v, String mask, String scale) {
      return b.sdpa(q, k, v, mask, false, scale);
    }

    private void line(String s) {
      b.line(s);
    }

    private static String lit(double v) {
      return ScriptBuilder.lit(v);
    }

    String methods() {
      int heads = c.nHeads();
      int kv = c.nKvHeads();
      int hd = c.headDim();
      int half = c.tFreqDim() / 2;
      int rep = heads / kv;
      float eps = c.normEps();

      line("b = torch.size(x, 0)");
      line("n = torch.size(x, 1)");
      line("l = torch.size(cap, 1)");
      line("dev = x.device");
      // Timestep embedder: sinusoid (cos half first) → Linear → SiLU → Linear.
      line(
          "freqs = torch.exp(torch.div(torch.mul(torch.arange("
              + half
              + ", dtype=6, device=dev), "
              + lit((float) -Math.log(c.tMaxPeriod()))
              + "), "
              + lit((float) half)
              + "))");
      if (c.variant() == FlagDitConfig.Variant.AUDIO) {
        line("tt = torch.floor(torch.mul(torch.to(t, 6), 1000.0))");
      } else {
        line("tt = torch.to(t, 6)");
      }
      line("targs = torch.mul(torch.reshape(tt, [b, 1]), torch.reshape(freqs, [1, " + half + "]))");
      line("temb = torch.cat([torch.cos(targs), torch.sin(targs)], 1)");
      line("th = " + linear("temb", "t_embedder.mlp.0"));
      line("th = torch.mul(th, torch.sigmoid(th))");
      line("temb = " + linear("th", "t_embedder.mlp.2"));
      // Caption embedder: masked mean → LayerNorm → Linear.
      line("cm = torch.unsqueeze(cap_mask, 2)");
      line("pooled = torch.div(torch.sum(torch.mul(cap, cm), [1]), torch.sum(cm, [1]))");
      line(
          "cemb = "
              + linear(
                  layerNorm("pooled", "cap_embedder.0", c.capFeatDim(), FlagDitBlock.LN_EPS),
                  "cap_embedder.1"));
      line("adaln = torch.add(temb, cemb)");
      line("cond = torch.mul(adaln, torch.sigmoid(adaln))");
      // RoPE tables over the padded sequence.
      line(
          "exps = torch.div(torch.arange(0, "
              + hd
              + ", 2, dtype=6, device=dev), "
              + lit((float) hd)
              + ")");
      line(
          "rf = torch.pow(torch.pow(torch.full(["
              + hd / 2
              + "], theta, dtype=6, device=dev), exps), -1.0)");
      line("pos = torch.div(torch.arange(n, dtype=6, device=dev), scaling)");
      line("ang = torch.mul(torch.reshape(pos, [n, 1]), torch.reshape(rf, [1, " + hd / 2 + "]))");
      line("rc = torch.reshape(torch.cos(ang), [1, n, 1, " + hd / 2 + "])");
      line("rs = torch.reshape(torch.sin(ang), [1, n, 1, " + hd / 2 + "])");
      // A mask that keeps every key is left out: SDPA then takes its unmasked kernel.
      line("xkeep: Optional[Tensor] = None");
      line("if not bool(torch.all(torch.ne(x_mask, 0))):");
      line("  xkeep = torch.unsqueeze(torch.unsqueeze(torch.ne(x_mask, 0), 1), 1)");
      line("ckeep: Optional[Tensor] = None");
      line("if not bool(torch.all(torch.ne(cap_mask, 0))):");
      line("  ckeep = torch.unsqueeze(torch.unsqueeze(torch.ne(cap_mask, 0), 1), 1)");
      String textScale = lit((float) (1.0 / Math.sqrt(hd)));

      for (int i = 0; i < c.nLayers(); i++) {
        String p = "layers." + i + ".";
        String a = p + "attention.";
        line(
            "mod = torch.chunk(torch.unsqueeze("
                + linear("cond", p + "adaLN_modulation.1")
                + ", 1), 6, 2)");
        line(
            "h = torch.add(torch.mul("
                + rms("x", p + "attention_norm.weight", eps)
                + ", torch.add(mod[1], 1.0)), mod[0])");
        line("y = " + rms("cap", p + "attention_y_norm.weight", eps));
        line("q = " + linear("h", a + "wq"));
        line("k = " + linear("h", a + "wk"));
        line("v = " + linear("h", a + "wv"));
        if (c.qkNorm()) {
          line("q = " + layerNorm("q", a + "q_norm", (long) heads * hd, FlagDitBlock.LN_EPS));
          line("k = " + layerNorm("k", a + "k_norm", (long) kv * hd, FlagDitBlock.LN_EPS));
        }
        line(
            "q = torch.transpose(self.rope(torch.reshape(q, [b, n, "
                + heads
                + ", "
                + hd
                + "]), rc, rs), 1, 2)");
        line(
            "k = torch.transpose(self.rope(torch.reshape(k, [b, n, "
                + kv
                + ", "
                + hd
                + "]), rc, rs), 1, 2)");
        line("v = torch.transpose(torch.reshape(v, [b, n, " + kv + ", " + hd + "]), 1, 2)");
        line("ky = " + linear("y", a + "wk_y"));
        if (c.qkNorm()) {
          line("ky = " + layerNorm("ky", a + "ky_norm", (long) kv * hd, FlagDitBlock.LN_EPS));
        }
        line("ky = torch.transpose(torch.reshape(ky, [b, l, " + kv + ", " + hd + "]), 1, 2)");
        line(
            "vy = torch.transpose(torch.reshape("
                + linear("y", a + "wv_y")
                + ", [b, l, "
                + kv
                + ", "
                + hd
                + "]), 1, 2)");
        if (rep > 1) {
          for (String s : new String[] {"k", "v", "ky", "vy"}) {
            line(s + " = torch.repeat_interleave(" + s + ", " + rep + ", 1)");
          }
        }
        line("so = " + sdpa("q", "k", "v", "xkeep", "self_scale"));
        line("to = " + sdpa("q", "ky", "vy", "ckeep", textScale));
        line(
            "g = torch.reshape(torch.tanh("
                + w(a + "gate", false)
                + "), [1, "
                + heads
                + ", 1, 1])");
        line(
            "o = torch.reshape(torch.transpose(torch.add(so, torch.mul(to, g)), 1, 2), [b, n, "
                + (long) heads * hd
                + "])");
        line("x = torch.add(x, torch.mul(mod[2], " + linear("o", a + "wo") + "))");
        line(
            "h = torch.add(torch.mul("
                + rms("x", p + "ffn_norm.weight", eps)
                + ", torch.add(mod[4], 1.0)), mod[3])");
        line("f1 = " + linear("h", p + "feed_forward.w1"));
        line(
            "f = torch.mul(torch.mul(f1, torch.sigmoid(f1)), "
                + linear("h", p + "feed_forward.w3")
                + ")");
        line("x = torch.add(x, torch.mul(mod[5], " + linear("f", p + "feed_forward.w2") + "))");
      }
      line(
          "fm = torch.chunk(torch.unsqueeze("
              + linear("cond", "final_layer.adaLN_modulation.1")
              + ", 1), 2, 2)");
      // LayerNorm without affine parameters, written out as the per-op path computes it.
      line("xc = torch.sub(x, torch.mean(x, [-1], True))");
      line("var = torch.mean(torch.mul(xc, xc), [-1], True)");
      line(
          "u = torch.add(torch.mul(torch.mul(xc, torch.pow(torch.add(var, 1e-06), -0.5)),"
              + " torch.add(fm[1], 1.0)), fm[0])");
      line("return " + linear("u", "final_layer.linear"));

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
