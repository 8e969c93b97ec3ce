package dev.lumina.engine.text;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.pytorch.CompiledModule;
import dev.lumina.engine.pytorch.ScriptBuilder;
import java.util.List;
import java.util.Map;

/**
 * The LLaMA decoder layers (and the final RMSNorm) of a {@link LlamaTextEncoder} as one generated
 * TorchScript module, by the same mechanism as the compiled Flag-DiT trunk: layers unrolled for the
 * config, weights passed as one list, causal fused SDPA, one native call per encoding. The token
 * embedding and the RoPE tables stay in Java. In bf16 the projections and attention run in
 * bfloat16; RMSNorm, the residual stream and softmax accumulation stay float32.
 *
 * <p>Thread-safe; {@link #close} must not race with {@link #run}.
 */
final class CompiledLlama implements AutoCloseable {

  private final CompiledModule module;

  private CompiledLlama(CompiledModule module) {
    this.module = module;
  }

  /**
   * Generates and loads the module.
   *
   * @throws ai.djl.engine.EngineException if libtorch rejects it
   */
  static CompiledLlama compile(LlamaConfig c, Map<String, NDArray> params, boolean bf16) {
    String cls = "LuminaLlama" + (bf16 ? "Bf16" : "Fp32");
    ScriptBuilder b = new ScriptBuilder(params, bf16);
    int h = c.heads();
    int kv = c.kvHeads();
    int dh = c.headDim();
    double eps = c.rmsNormEps();
    String scale = ScriptBuilder.lit((float) Math.pow(dh, -0.5));
    b.line("bsz = torch.size(x, 0)");
    b.line("n = torch.size(x, 1)");
    b.line("if last == 0:");
    b.line("  return x");
    for (int i = 0; i < c.layers(); i++) {
      String l = "layers." + i + ".";
      b.line("u = " + b.rms("x", l + "input_layernorm.weight", eps));
      b.line("q = self.heads(" + b.linear("u", l + "self_attn.q_proj") + ", " + h + ")");
      b.line("k = self.heads(" + b.linear("u", l + "self_attn.k_proj") + ", " + kv + ")");
      b.line("v = self.heads(" + b.linear("u", l + "self_attn.v_proj") + ", " + kv + ")");
      b.line("q = self.rotate(q, cos, sin)");
      b.line("k = self.rotate(k, cos, sin)");
      if (kv != h) {
        b.line("k = torch.repeat_interleave(k, " + h / kv + ", 1)");
        b.line("v = torch.repeat_interleave(v, " + h / kv + ", 1)");
      }
      b.line("o = " + b.sdpa("q", "k", "v", "None", true, scale));
      b.line("o = torch.reshape(torch.transpose(o, 1, 2), [bsz, n, " + (long) h * dh + "])");
      b.line("x = torch.add(x, " + b.linear("o", l + "self_attn.o_proj") + ")");
      b.line("u = " + b.rms("x", l + "post_attention_layernorm.weight", eps));
      b.line("g = " + b.linear("u", l + "mlp.gate_proj"));
      b.line(
          "f = torch.mul(torch.mul(g, torch.sigmoid(g)), "
              + b.linear("u", l + "mlp.up_proj")
              + ")");
      b.line("x = torch.add(x, " + b.linear("f", l + "mlp.down_proj") + ")");
      if (i == c.layers() - 1) {
        b.line("return " + b.rms("x", "norm.weight", eps));
      } else {
        b.line("if last == " + (i + 1) + ":");
        b.line("  return x");
      }
    }
    String self = "self: __torch__." + cls;
    String code =
        "  def forward("
            + self
            + ", ws: List[Tensor], x: Tensor, cos: Tensor, sin: Tensor, last: int) -> Tensor:\n"
            + b.body()
            + "  def heads("
            + self
            + ", t: Tensor, n: int) -> Tensor:\n"
            + "    return torch.transpose(torch.reshape(t, [torch.size(t, 0), torch.size(t, 1), n, "
            + dh
            + "]), 1, 2)\n"
            + "  def rotate("
            + self
            + ", t: Tensor, cos: Tensor, sin: Tensor) -> Tensor:\n"
            + "    halves = torch.split(t, "
            + dh / 2
            + ", 3)\n"
            + "    rotated = torch.cat([torch.neg(halves[1]), halves[0]], 3)\n"
            + "    return torch.add(torch.mul(t, cos), torch.mul(rotated, sin))\n"
            + b.prepareMethod(self);
    return new CompiledLlama(b.build(cls, code));
  }

  /** Keys held as this module's own bfloat16 copies. */
  List<String> lowKeys() {
    return module.lowPrecisionKeys();
  }

  /** Bytes of those copies. */
  long lowBytes() {
    return module.lowPrecisionBytes();
  }

  /**
   * Hidden state {@code last} (0 = the embeddings, the layer count = after the final norm) for
   * embedded tokens {@code x [B, L, D]}, attached to {@code x}'s manager.
   */
  NDArray run(NDArray x, NDArray cos, NDArray sin, int last) {
    return module.forward(x, cos, sin, (long) last);
  }

  @Override
  public void close() {
    module.close();
  }
}
