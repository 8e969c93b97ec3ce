package dev.lumina.engine.vae;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.pytorch.CompiledModule;
import dev.lumina.engine.pytorch.ScriptBuilder;
import java.util.Map;

/**
 * The VAE decoder as one TorchScript module: {@code post_quant_conv}, {@code conv_in}, the mid
 * block (resnet, single-head attention over pixels through fused SDPA, resnet), every up block and
 * the output head, run by one native call per decode instead of one per op. The module starts from
 * the decoder input ({@code latents / scaling_factor [+ shift]}, computed in Java) and returns the
 * decoded picture; tiling stays in Java ({@link TiledDecoding}) and calls it once per tile.
 *
 * <p>The source is generated for one {@link VaeConfig} (levels and resnets unrolled, shortcuts and
 * optional blocks resolved) and takes the weights as a list argument, so it owns no tensors. The op
 * order mirrors {@link VaeOps} and {@link VaeDecoder}; GroupNorm and SiLU use libtorch's fused
 * kernels, which agree with the per-op formulas to float32 rounding.
 *
 * <p>Always float32: SDXL's VAE asks for it ({@code force_upcast}), as diffusers decodes it, and
 * its decode is not where the time of a job goes.
 *
 * <p>Thread-safe: libtorch runs one module from several threads; {@link #close} must not race with
 * {@link #run}.
 */
final class CompiledVae implements AutoCloseable {

  private static final String CLASS = "LuminaVaeDecoder";

  private final CompiledModule module;

  private CompiledVae(CompiledModule module) {
    this.module = module;
  }

  /**
   * Generates, loads and prepares the module for {@code config} over {@code params} (norm weights
   * may be stored in any shape holding their channels).
   *
   * @throws ai.djl.engine.EngineException if libtorch rejects the module
   */
  static CompiledVae compile(VaeConfig config, Map<String, NDArray> params) {
    ScriptBuilder b = new ScriptBuilder(params, false);
    String methods = new Source(config, b).methods();
    return new CompiledVae(b.build(CLASS, methods));
  }

  /** The decoded picture {@code [B, out, h·f, w·f]} for decoder input {@code z [B, C, h, w]}. */
  NDArray run(NDArray z) {
    return module.forward(z);
  }

  @Override
  public void close() {
    module.close();
  }

  /** The generated TorchScript source. */
  static final class Source {
    private final VaeConfig c;
    private final ScriptBuilder b;

    Source(VaeConfig c, ScriptBuilder b) {
      this.c = c;
      this.b = b;
    }

    String methods() {
      b.line("x = z");
      if (c.usePostQuantConv()) {
        b.line("x = " + b.conv2d("x", "post_quant_conv"));
      }
      b.line("x = " + b.conv2d("x", "decoder.conv_in"));
      resnet("decoder.mid_block.resnets.0");
      if (c.midBlockAttention()) {
        attention("decoder.mid_block.attentions.0");
      }
      resnet("decoder.mid_block.resnets.1");
      int levels = c.levels();
      for (int n = 0; n < levels; n++) {
        String p = "decoder.up_blocks." + n;
        for (int r = 0; r <= c.layersPerBlock(); r++) {
          resnet(p + ".resnets." + r);
        }
        if (n < levels - 1) {
          b.line("sh = torch.size(x)");
          b.line("x = torch.upsample_nearest2d(x, [sh[2] * 2, sh[3] * 2])");
          b.line("x = " + b.conv2d("x", p + ".upsamplers.0.conv"));
        }
      }
      b.line("x = torch.silu(" + norm("x", "decoder.conv_norm_out") + ")");
      b.line("return " + b.conv2d("x", "decoder.conv_out"));

      String self = "self: __torch__." + CLASS;
      return "  def forward("
          + self
          + ", ws: List[Tensor], z: Tensor) -> Tensor:\n"
          + b.body()
          + b.prepareMethod(self);
    }

    private String norm(String x, String prefix) {
      return b.groupNorm(x, prefix, c.normNumGroups(), VaeConfig.NORM_EPS);
    }

    /** {@link VaeOps#resnet}: {@code shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))))))}. */
    private void resnet(String p) {
      b.line("h = torch.silu(" + norm("x", p + ".norm1") + ")");
      b.line("h = " + b.conv2d("h", p + ".conv1"));
      b.line("h = torch.silu(" + norm("h", p + ".norm2") + ")");
      b.line("h = " + b.conv2d("h", p + ".conv2"));
      if (b.has(p + ".conv_shortcut.weight")) {
        b.line("x = torch.add(h, " + b.conv2d("x", p + ".conv_shortcut") + ")");
      } else {
        b.line("x = torch.add(h, x)");
      }
    }

    /**
     * diffusers' mid-block {@code Attention} as {@link VaeDecoder} runs it: GroupNorm, pixels as
     * tokens, one head of C channels, {@code to_out.0}, plus the residual.
     */
    private void attention(String p) {
      int[] channels = c.blockOutChannels();
      int ch = channels[channels.length - 1];
      String scale = ScriptBuilder.lit((float) (1.0 / Math.sqrt(ch)));
      b.line("sh = torch.size(x)");
      b.line("n = sh[2] * sh[3]");
      b.line(
          "t = torch.transpose(torch.reshape("
              + norm("x", p + ".group_norm")
              + ", [sh[0], sh[1], n]), 1, 2)");
      b.line("q = torch.unsqueeze(" + b.linear("t", p + ".to_q") + ", 1)");
      b.line("k = torch.unsqueeze(" + b.linear("t", p + ".to_k") + ", 1)");
      b.line("v = torch.unsqueeze(" + b.linear("t", p + ".to_v") + ", 1)");
      b.line(
          "a = torch.reshape("
              + b.sdpa("q", "k", "v", "None", false, scale)
              + ", [sh[0], n, sh[1]])");
      b.line(
          "x = torch.add(torch.reshape(torch.transpose("
              + b.linear("a", p + ".to_out.0")
              + ", 1, 2), sh), x)");
    }
  }
}
