package dev.lumina.engine.pytorch;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the source of a generated TorchScript module whose weights arrive as one list argument
 * {@code ws}: each weight a formula reads is registered once and named {@code ws[i]}; the layer
 * primitives (Linear, RMSNorm, LayerNorm, GroupNorm, 2-D convolution, SDPA) are written in the op
 * order of the engine's per-op code, so float32 results agree to rounding. In low precision every
 * Linear weight and bias is cast to bfloat16 once by the module's {@code prepare} method, and
 * activations enter each matmul and attention in bfloat16 and leave it in float32.
 *
 * <p>{@link #prepare} runs {@code prepare} on the model's arrays and keeps the result as a libtorch
 * list (bfloat16 tensors never become Java arrays). Not thread-safe while building.
 */
public final class ScriptBuilder {

  /** ScalarType code of bfloat16 in TorchScript source. */
  static final int BF16 = 15;

  private final Map<String, NDArray> params;
  private final boolean low;
  private final List<String> keys = new ArrayList<>();
  private final List<Boolean> cast = new ArrayList<>();
  private final Map<String, Integer> index = new LinkedHashMap<>();
  private final StringBuilder body = new StringBuilder();

  /**
   * @param params the model's arrays by name
   * @param low whether matmuls and attention run in bfloat16
   */
  public ScriptBuilder(Map<String, NDArray> params, boolean low) {
    this.params = params;
    this.low = low;
  }

  /** Whether a parameter {@code key} exists. */
  public boolean has(String key) {
    return params.containsKey(key);
  }

  /** {@code ws[i]} for {@code key}, registering it on first use; {@code matmul} marks a cast. */
  public String w(String key, boolean matmul) {
    if (!params.containsKey(key)) {
      throw new IllegalStateException("no parameter '" + key + "'");
    }
    Integer i = index.get(key);
    if (i == null) {
      i = keys.size();
      keys.add(key);
      cast.add(matmul);
      index.put(key, i);
    }
    return "ws[" + i + "]";
  }

  /** The Linear at {@code prefix} ({@code .weight}, {@code .bias} when present) applied to x. */
  public String linear(String x, String prefix) {
    String weight = w(prefix + ".weight", true);
    String bias = has(prefix + ".bias") ? w(prefix + ".bias", true) : "None";
    if (low) {
      return "torch.linear(torch.to("
          + x
          + ", "
          + BF16
          + "), "
          + weight
          + ", "
          + bias
          + ").float()";
    }
    return "torch.linear(" + x + ", " + weight + ", " + bias + ")";
  }

  /**
   * {@link #linear} of the per-row matrix variable {@code x [B, K]}, over a row count padded to a
   * multiple of 4 (see the eager path's {@code Weights.rowLinear}: each row's result then does not
   * depend on how many rows share the call).
   */
  public String rowLinear(String x, String prefix) {
    String padded =
        "torch.cat([" + x + ", " + x + "[-1:].expand((4 - " + x + ".size(0) % 4) % 4, -1)])";
    return "(" + linear(padded, prefix) + ")[:" + x + ".size(0)]";
  }

  /** LayerNorm over the last axis ({@code width}) with affine weight and bias at {@code prefix}. */
  public String layerNorm(String x, String prefix, long width, double eps) {
    return "torch.layer_norm("
        + x
        + ", ["
        + width
        + "], "
        + w(prefix + ".weight", false)
        + ", "
        + w(prefix + ".bias", false)
        + ", "
        + lit(eps)
        + ", False)";
  }

  /** RMSNorm {@code x · (mean(x²) + eps)^-½ · w} with gain {@code key}. */
  public String rms(String x, String key, double eps) {
    return "torch.mul(torch.mul("
        + x
        + ", torch.pow(torch.add(torch.mean(torch.mul("
        + x
        + ", "
        + x
        + "), [-1], True), "
        + lit(eps)
        + "), -0.5)), "
        + w(key, false)
        + ")";
  }

  /**
   * The 2-D convolution at {@code prefix} ({@code .weight [out, in, kh, kw]}, {@code .bias} when
   * present), stride 1, "same" padding (kernel size / 2); float32 in either precision.
   */
  public String conv2d(String x, String prefix) {
    String key = prefix + ".weight";
    String weight = w(key, false);
    long[] k = params.get(key).getShape().getShape();
    if (k.length != 4) {
      throw new IllegalStateException(key + " is " + params.get(key).getShape() + ", not 4-D");
    }
    String bias = has(prefix + ".bias") ? w(prefix + ".bias", false) : "None";
    return "torch.conv2d("
        + x
        + ", "
        + weight
        + ", "
        + bias
        + ", [1, 1], ["
        + k[2] / 2
        + ", "
        + k[3] / 2
        + "], [1, 1], 1)";
  }

  /**
   * GroupNorm of {@code [B, C, ...]} in {@code groups} groups (biased variance) with the
   * per-channel affine at {@code prefix}, stored in any shape holding C values.
   */
  public String groupNorm(String x, String prefix, int groups, double eps) {
    return "torch.group_norm("
        + x
        + ", "
        + groups
        + ", torch.flatten("
        + w(prefix + ".weight", false)
        + "), torch.flatten("
        + w(prefix + ".bias", false)
        + "), "
        + lit(eps)
        + ", False)";
  }

  /** Fused attention; {@code mask} an expression or {@code None}. */
  public String sdpa(String q, String k, String v, String mask, boolean causal, String scale) {
    String tail = ", " + mask + ", 0., " + (causal ? "True" : "False") + ", scale=" + scale + ")";
    if (low) {
      return "torch.scaled_dot_product_attention("
          + lowered(q)
          + ", "
          + lowered(k)
          + ", "
          + lowered(v)
          + tail
          + ".float()";
    }
    return "torch.scaled_dot_product_attention(" + q + ", " + k + ", " + v + tail;
  }

  private static String lowered(String x) {
    return "torch.to(" + x + ", " + BF16 + ")";
  }

  /** Appends one statement of the method body (indent relative to the body). */
  public void line(String s) {
    body.append("    ").append(s).append('\n');
  }

  /** The body written so far. */
  public String body() {
    return body.toString();
  }

  /** The {@code prepare(ws) -> List[Tensor]} method for class {@code self}. */
  public String prepareMethod(String self) {
    StringBuilder out = new StringBuilder();
    out.append("  def prepare(").append(self).append(", ws: List[Tensor]) -> List[Tensor]:\n");
    out.append("    out: List[Tensor] = []\n");
    for (int i = 0; i < keys.size(); i++) {
      if (low && cast.get(i)) {
        out.append("    out.append(torch.to(ws[")
            .append(i)
            .append("], ")
            .append(BF16)
            .append("))\n");
      } else {
        out.append("    out.append(ws[").append(i).append("])\n");
      }
    }
    out.append("    return out\n");
    return out.toString();
  }

  /** Keys the module holds its own bfloat16 copies of (none in float32). */
  public List<String> lowKeys() {
    List<String> out = new ArrayList<>();
    if (low) {
      for (int i = 0; i < keys.size(); i++) {
        if (cast.get(i)) {
          out.add(keys.get(i));
        }
      }
    }
    return out;
  }

  /** Bytes of those copies. */
  public long lowBytes() {
    long bytes = 0;
    for (String k : lowKeys()) {
      bytes += params.get(k).size() * 2;
    }
    return bytes;
  }

  /**
   * Loads class {@code className} with methods {@code methods} (which must include this builder's
   * {@link #prepareMethod}) and prepares its weights.
   *
   * @throws ai.djl.engine.EngineException if libtorch rejects the module
   */
  public CompiledModule build(String className, String methods) {
    ScriptedModule module = ScriptedModule.compile(className, methods);
    try {
      return new CompiledModule(module, prepare(module), lowKeys(), lowBytes());
    } catch (RuntimeException e) {
      module.close();
      throw e;
    }
  }

  /** Runs the module's {@code prepare} over the registered weights; the caller closes the list. */
  private ScriptValue prepare(ScriptedModule module) {
    NDArray[] inputs = new NDArray[keys.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = params.get(keys.get(i));
    }
    return module.invokeValue("prepare", (Object) inputs);
  }

  /** A float literal in TorchScript source (the same double the per-op code widens to). */
  public static String lit(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return Double.toString(v);
  }
}
