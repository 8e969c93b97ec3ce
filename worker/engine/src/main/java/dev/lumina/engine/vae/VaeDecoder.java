package dev.lumina.engine.vae;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Parameters;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.EngineSwitchable;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The decode half of a diffusers {@code AutoencoderKL} (the SDXL VAE Lumina-T2I uses), in float32
 * on DJL: {@code decoder(post_quant_conv(latents / scaling_factor [+ shift_factor]))} with conv_in,
 * a mid block (resnet, single-head attention over pixels, resnet), {@code levels} up blocks of
 * {@code layers_per_block + 1} resnets (nearest-2x upsample and 3x3 conv on all but the last), then
 * GroupNorm, SiLU and conv_out. Every size comes from the folder's config and weights.
 *
 * <p>Weights live in a capped manager owned by the decoder; each decode's results attach to the
 * latents' manager and intermediates are closed as soon as they are consumed. Pictures larger than
 * {@link TiledDecoding#DEFAULT_THRESHOLD_CELLS} latent cells are decoded in blended tiles by {@link
 * #decode}.
 *
 * <p>Engines ({@link #useEngine}): per op by default, as loaded; on the compiled engine every
 * untraced decode (each tile of a tiled one) is one call of a generated TorchScript module ({@link
 * CompiledVae}), always in float32. Traced decodes run per op.
 *
 * <p>Thread-safe for concurrent decodes; {@link #useEngine} and {@link #close} once no decode runs.
 */
public final class VaeDecoder implements AutoCloseable, EngineSwitchable {

  private final VaeConfig config;
  private final VaeOps ops;
  private final Map<String, NDArray> params;
  private volatile CompiledVae compiled;
  private final NDManager weights;
  private final Device device;
  private final AttentionKernel kernel;
  private final TiledDecoding tiling;
  private final long weightBytes;

  private VaeDecoder(
      VaeConfig config,
      Map<String, NDArray> params,
      NDManager weights,
      Device device,
      AttentionKernel kernel,
      TiledDecoding tiling) {
    this.config = config;
    this.params = Collections.unmodifiableMap(params);
    this.ops = new VaeOps(this.params, config.normNumGroups(), VaeConfig.NORM_EPS);
    this.weights = weights;
    this.device = device;
    this.kernel = kernel;
    this.tiling = tiling;
    this.weightBytes = Parameters.bytes(params.values());
  }

  /** Bytes its weights take on the device (float32). */
  public long weightBytes() {
    return weightBytes;
  }

  /**
   * Loads a VAE folder (see {@link VaeCheckpoint#load}) onto {@code device} with the device's best
   * attention kernel and default tiling.
   */
  public static VaeDecoder load(Path hfVaeFolder, Device device) {
    return load(hfVaeFolder, device, AttentionKernels.best(device), TiledDecoding.DEFAULT);
  }

  /** As {@link #load(Path, Device)} with an explicit attention kernel and tiling policy. */
  public static VaeDecoder load(
      Path hfVaeFolder, Device device, AttentionKernel kernel, TiledDecoding tiling) {
    return fromCheckpoint(VaeCheckpoint.load(hfVaeFolder), device, kernel, tiling);
  }

  /** Builds a decoder from loaded weights; checks every weight the config needs is present. */
  public static VaeDecoder fromCheckpoint(
      VaeCheckpoint ck, Device device, AttentionKernel kernel, TiledDecoding tiling) {
    VaeConfig cfg = ck.config();
    VaeWeightSpec.validate(cfg, ck.tensors());
    NDManager m = PyTorch.newManager(device);
    try {
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (Map.Entry<String, HostTensor> e : ck.tensors().entrySet()) {
        HostTensor t = e.getValue();
        long[] shape = t.shape();
        if (e.getKey().contains("norm") && shape.length == 1) {
          shape = new long[] {1, shape[0], 1, 1};
        }
        params.put(e.getKey(), m.create(t.data(), new Shape(shape)));
      }
      m.cap();
      return new VaeDecoder(cfg, params, m, device, kernel, tiling);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Name → shape of every weight a decoder of {@code config} reads (diffusers names). */
  public static Map<String, long[]> parameterShapes(VaeConfig config) {
    return VaeWeightSpec.expected(config);
  }

  public VaeConfig config() {
    return config;
  }

  public Device device() {
    return device;
  }

  /** Picture pixels per latent cell along each axis: {@code 2^(levels - 1)}. */
  public int spatialFactor() {
    return config.spatialFactor();
  }

  public int latentChannels() {
    return config.latentChannels();
  }

  public float scalingFactor() {
    return config.scalingFactor();
  }

  /**
   * Runs later untraced decodes on {@code engine}. The compiled decoder always runs in float32 (the
   * SDXL VAE asks for it), so {@code precision} only has to be valid for the engine.
   *
   * @throws IllegalArgumentException for eager bf16
   * @throws ai.djl.engine.EngineException if libtorch rejects the compiled module
   */
  @Override
  public void useEngine(EngineKind engine, Precision precision) {
    if (engine == EngineKind.EAGER && precision != Precision.FP32) {
      throw new IllegalArgumentException(
          "dtype bf16 needs the compiled engine (--engine compiled)");
    }
    CompiledVae old = compiled;
    compiled = engine == EngineKind.COMPILED ? CompiledVae.compile(config, params) : null;
    if (old != null) {
      old.close();
    }
  }

  /** The engine untraced decodes run on. */
  public EngineKind engine() {
    return compiled == null ? EngineKind.EAGER : EngineKind.COMPILED;
  }

  /** The tiling policy {@link #decode} applies. */
  public TiledDecoding tiling() {
    return tiling;
  }

  /**
   * Decodes the sampler's latents {@code [B, C, h, w]} (scaled latent space) to {@code [B, out,
   * h·f, w·f]} in roughly [-1, 1]; tiled when the tiling policy says so.
   */
  public NDArray decode(NDArray latents) {
    long[] s = checkLatents(latents);
    if (tiling.shouldTile(s[2], s[3])) {
      return tiling.decode(this, latents);
    }
    return decode(latents, null);
  }

  /**
   * Decodes in one pass (no tiling), recording the reference's {@code dbg.*} intermediates into
   * {@code trace} when it is not null ({@code dbg.decoder_in}, {@code dbg.post_quant_conv}, {@code
   * dbg.conv_in}, {@code dbg.mid_block.resnets.0}, {@code dbg.mid_block.attentions.0}, {@code
   * dbg.mid_block}, {@code dbg.up_blocks.N}, {@code dbg.conv_norm_out}); traced arrays belong to
   * the latents' manager.
   */
  public NDArray decode(NDArray latents, Map<String, NDArray> trace) {
    checkLatents(latents);
    NDArray in = latents.getDevice().equals(device) ? latents : latents.toDevice(device, false);
    NDArray z = toDecoderInput(in);
    if (in != latents) {
      in.close();
    }
    return decodeScaled(z, trace, true);
  }

  /** {@code latents / scaling_factor (+ shift_factor)}, the input of post_quant_conv. */
  NDArray toDecoderInput(NDArray latents) {
    NDArray z = latents.div(config.scalingFactor());
    if (config.shiftFactor() != null) {
      z.addi(config.shiftFactor());
    }
    return z;
  }

  /**
   * The decoder on latents already divided by the scaling factor ({@code dbg.decoder_in}); consumes
   * {@code z} when {@code consume} and no trace is kept.
   */
  NDArray decodeScaled(NDArray z, Map<String, NDArray> trace, boolean consume) {
    CompiledVae module = compiled;
    if (module != null && trace == null) {
      NDArray out = module.run(z);
      if (consume) {
        z.close();
      }
      return out;
    }
    Trace t = new Trace(trace);
    t.keep("dbg.decoder_in", z);
    NDArray x = z;
    if (config.usePostQuantConv()) {
      x = t.next(consume ? z : null, ops.conv(z, "post_quant_conv"), "dbg.post_quant_conv");
    } else {
      t.keep("dbg.post_quant_conv", x);
    }
    x = t.next(x == z && !consume ? null : x, ops.conv(x, "decoder.conv_in"), "dbg.conv_in");
    x = t.next(x, ops.resnet(x, "decoder.mid_block.resnets.0"), "dbg.mid_block.resnets.0");
    if (config.midBlockAttention()) {
      x = t.next(x, attention(x, "decoder.mid_block.attentions.0"), "dbg.mid_block.attentions.0");
    }
    x = t.next(x, ops.resnet(x, "decoder.mid_block.resnets.1"), "dbg.mid_block");
    int levels = config.levels();
    for (int n = 0; n < levels; n++) {
      String p = "decoder.up_blocks." + n;
      for (int r = 0; r <= config.layersPerBlock(); r++) {
        x = t.next(x, ops.resnet(x, p + ".resnets." + r), null);
      }
      if (n < levels - 1) {
        try (NDArray up = VaeOps.upsampleNearest2x(x)) {
          x = t.next(x, ops.conv(up, p + ".upsamplers.0.conv"), null);
        }
      }
      t.keep("dbg.up_blocks." + n, x);
    }
    x = t.next(x, ops.groupNorm(x, "decoder.conv_norm_out"), "dbg.conv_norm_out");
    NDArray act = t.isKept(x) ? x.duplicate() : x;
    VaeOps.siluInPlace(act);
    NDArray out = ops.conv(act, "decoder.conv_out");
    t.release(act);
    return out;
  }

  /**
   * diffusers' mid-block {@code Attention}: GroupNorm, {@code to_q/to_k/to_v} over channels with
   * the pixels (row-major) as tokens, one head of {@code C} channels, {@code softmax(q·kᵀ/√C)·v},
   * {@code to_out.0}, plus the residual.
   */
  private NDArray attention(NDArray x, String p) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long n = s.get(2) * s.get(3);
    NDArray q;
    NDArray k;
    NDArray v;
    try (NDArray normed = ops.groupNorm(x, p + ".group_norm");
        NDArray flat = normed.reshape(b, c, n);
        NDArray tokens = flat.transpose(0, 2, 1)) {
      q = ops.linear(tokens, p + ".to_q");
      k = ops.linear(tokens, p + ".to_k");
      v = ops.linear(tokens, p + ".to_v");
    }
    NDArray attended;
    try (q;
        k;
        v;
        NDArray q4 = q.reshape(b, 1, n, c);
        NDArray k4 = k.reshape(b, 1, n, c);
        NDArray v4 = v.reshape(b, 1, n, c)) {
      attended = kernel.attend(q4, k4, v4, null, (float) (1.0 / Math.sqrt(c)));
    }
    NDArray projected;
    try (attended;
        NDArray a3 = attended.reshape(b, n, c)) {
      projected = ops.linear(a3, p + ".to_out.0");
    }
    try (projected;
        NDArray chw = projected.transpose(0, 2, 1)) {
      NDArray out = chw.reshape(s);
      out.addi(x);
      return out;
    }
  }

  private long[] checkLatents(NDArray latents) {
    long[] s = latents.getShape().getShape();
    if (s.length != 4 || s[1] != config.latentChannels() || s[2] < 1 || s[3] < 1) {
      throw new IllegalArgumentException(
          "latents must be [B, " + config.latentChannels() + ", h, w], got " + latents.getShape());
    }
    return s;
  }

  @Override
  public void close() {
    CompiledVae module = compiled;
    compiled = null;
    if (module != null) {
      module.close();
    }
    weights.close();
  }

  /** Which arrays the caller's trace holds, so they are not closed; closes the others. */
  private static final class Trace {
    private final Map<String, NDArray> sink;
    private final Set<NDArray> kept = Collections.newSetFromMap(new IdentityHashMap<>());

    Trace(Map<String, NDArray> sink) {
      this.sink = sink;
    }

    void keep(String name, NDArray a) {
      if (sink != null && name != null) {
        sink.put(name, a);
        kept.add(a);
      }
    }

    boolean isKept(NDArray a) {
      return kept.contains(a);
    }

    /** Records {@code result} under {@code name}, releases {@code previous}; returns result. */
    NDArray next(NDArray previous, NDArray result, String name) {
      release(previous);
      keep(name, result);
      return result;
    }

    void release(NDArray a) {
      if (a != null && !kept.contains(a)) {
        a.close();
      }
    }
  }
}
