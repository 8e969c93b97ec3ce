package dev.lumina.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.Checkpoint;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Parameters;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Flag-DiT model (flag-dit-spec §2–§7) on DJL: one engine for image, video, multi-view and
 * audio token layouts, batches of differently sized inputs (pad tokens and masks), learn_sigma and
 * classifier-free guidance.
 *
 * <p>Memory: weights live in one manager (capped when the model owns it). Each forward runs in a
 * sub-manager of its first input's manager; only the outputs (and trace tensors) survive, attached
 * to that input's manager. Inputs must not live in the weights manager.
 *
 * <p>Thread-safety: forwards from several threads are safe (weights are only read). Inference
 * threads should call {@code PyTorch.setGradMode(false)}; under a {@code GradientCollector} the
 * forward is differentiable with respect to {@link #parameters()}.
 */
public final class FlagDit implements AutoCloseable, EngineSwitchable {

  private final FlagDitConfig config;
  private final Map<String, NDArray> store;
  private final Map<String, NDArray> parameters;
  private final Weights weights;
  private final AttentionKernel kernel;
  private final NDManager ownedManager;
  private final Device device;
  private final boolean predictsData;
  private volatile CompiledTrunk compiled;
  private volatile boolean trunkOnly;

  /**
   * Metadata key naming what the network's output is: absent or {@code "velocity"} for every
   * released checkpoint; {@code "data"} for a model that predicts the clean sample x1, whose
   * velocity is then derived as {@code (x1̂ − x_t) / max(1 − t, 0.05)}. Pixel-space models with
   * large patches learn to denoise far faster that way: removing the noise is exact by construction
   * instead of an identity map the network must learn.
   */
  public static final String PREDICTION_KEY = "prediction";

  FlagDit(
      FlagDitConfig config,
      Map<String, NDArray> parameters,
      AttentionKernel kernel,
      NDManager ownedManager,
      Device device) {
    this(config, parameters, kernel, ownedManager, device, false);
  }

  FlagDit(
      FlagDitConfig config,
      Map<String, NDArray> parameters,
      AttentionKernel kernel,
      NDManager ownedManager,
      Device device,
      boolean predictsData) {
    this.predictsData = predictsData;
    this.config = config;
    this.store = new LinkedHashMap<>(parameters);
    this.parameters = Collections.unmodifiableMap(store);
    this.weights = new Weights(this.parameters);
    this.kernel = kernel;
    this.ownedManager = ownedManager;
    this.device = device;
  }

  /** Loads a checkpoint file or directory onto the engine's default device with naive attention. */
  public static FlagDit load(Path checkpoint) {
    return load(checkpoint, Engine.getInstance().defaultDevice(), new NaiveAttention());
  }

  /**
   * Loads a checkpoint (see {@link Checkpoint#load}); throws CheckpointFormatException on mismatch.
   */
  public static FlagDit load(Path checkpoint, Device device, AttentionKernel kernel) {
    Optional<Path> single = Checkpoint.singleFile(checkpoint);
    if (single.isPresent()) {
      return StreamedLoad.load(single.get(), device, kernel);
    }
    return fromCheckpoint(Checkpoint.load(checkpoint), device, kernel);
  }

  /** Builds a model from loaded tensors; the config comes from metadata or tensor shapes. */
  public static FlagDit fromCheckpoint(Checkpoint ck, Device device, AttentionKernel kernel) {
    FlagDitConfig config = FlagDitConfig.infer(ck.metadata(), ck.shapes());
    ParameterSpec.validate(config, ck.shapes());
    NDManager m = NDManager.newBaseManager(device);
    Map<String, NDArray> params = toArrays(ck.tensors(), m);
    m.cap();
    boolean data = ck.metadata().string(PREDICTION_KEY).map("data"::equals).orElse(false);
    return new FlagDit(config, params, kernel, m, device, data);
  }

  /**
   * A model with fresh parameters per flag-dit-spec §16 (zero-initialised adaLN, final layer,
   * caption Linear and gates; xavier elsewhere; N(0, 0.02²) for the t-MLP and layout tokens),
   * reproducible from {@code seed}. Parameters live in {@code manager}, which the caller owns
   * (closing the model does not close it).
   */
  public static FlagDit initialize(FlagDitConfig config, NDManager manager, long seed) {
    return initialize(config, manager, seed, new NaiveAttention());
  }

  public static FlagDit initialize(
      FlagDitConfig config, NDManager manager, long seed, AttentionKernel kernel) {
    return new FlagDit(
        config,
        toArrays(ParameterSpec.initialise(config, seed), manager),
        kernel,
        null,
        manager.getDevice());
  }

  /**
   * As {@link #initialize(FlagDitConfig, NDManager, long, AttentionKernel)}, plus, when {@code
   * absolutePositions}, the learned gain of the normalised 2-D position embedding (initialised to
   * ones) that small models trained from scratch use to tell where "top left" is. Reference
   * checkpoints never carry it.
   */
  public static FlagDit initialize(
      FlagDitConfig config,
      NDManager manager,
      long seed,
      AttentionKernel kernel,
      boolean absolutePositions) {
    return initialize(config, manager, seed, kernel, absolutePositions, false);
  }

  /** As above; with {@code predictsData} the network predicts x1 (see {@link #PREDICTION_KEY}). */
  public static FlagDit initialize(
      FlagDitConfig config,
      NDManager manager,
      long seed,
      AttentionKernel kernel,
      boolean absolutePositions,
      boolean predictsData) {
    Map<String, NDArray> params = toArrays(ParameterSpec.initialise(config, seed), manager);
    if (absolutePositions) {
      params.put(AbsolutePositions.KEY, manager.ones(new Shape(config.dim())));
    }
    return new FlagDit(config, params, kernel, null, manager.getDevice(), predictsData);
  }

  /**
   * Switches inference forwards to {@code engine}: {@link EngineKind#COMPILED} generates and loads
   * the trunk as one TorchScript module in {@code precision}; {@link EngineKind#EAGER} (only with
   * {@link Precision#FP32}) drops a compiled trunk. Traced forwards and forwards under grad mode
   * always run per op. Not to be called while forwards run.
   *
   * <p>A bf16 trunk of a model that owns its weights (a loaded checkpoint) releases the float32
   * copies of the weights it holds in bfloat16, so the model's resident size about halves; such a
   * model then serves inference forwards only (see {@link #trunkOnly()}).
   *
   * @throws IllegalArgumentException for eager bf16 (the per-op path has no bfloat16)
   * @throws IllegalStateException when the float32 weights were released by an earlier bf16 switch
   * @throws ai.djl.engine.EngineException if libtorch rejects the generated module
   */
  @Override
  public void useEngine(EngineKind engine, Precision precision) {
    if (engine == EngineKind.EAGER && precision != Precision.FP32) {
      throw new IllegalArgumentException(
          "dtype bf16 needs the compiled engine (--engine compiled); the eager engine runs fp32");
    }
    if (trunkOnly) {
      throw new IllegalStateException(TRUNK_ONLY);
    }
    CompiledTrunk old = compiled;
    compiled =
        engine == EngineKind.COMPILED ? CompiledTrunk.compile(config, parameters, precision) : null;
    if (old != null) {
      old.close();
    }
    if (compiled != null && precision == Precision.BF16 && ownedManager != null) {
      for (String key : compiled.lowPrecisionKeys()) {
        store.remove(key).close();
      }
      trunkOnly = true;
    }
  }

  private static final String TRUNK_ONLY =
      "this model keeps its trunk weights in bfloat16 only (--dtype bf16): traced, differentiable"
          + " and eager forwards need it loaded with --dtype fp32";

  /**
   * Whether the float32 trunk weights were released for a bf16 trunk: {@link #parameters()} then
   * lacks them and only inference forwards run.
   */
  public boolean trunkOnly() {
    return trunkOnly;
  }

  /** The engine inference forwards use. */
  public EngineKind engine() {
    return compiled == null ? EngineKind.EAGER : EngineKind.COMPILED;
  }

  /** The arithmetic inference forwards use. */
  public Precision precision() {
    CompiledTrunk c = compiled;
    return c == null ? Precision.FP32 : c.precision();
  }

  /** Every parameter key of {@code config} and its shape, in state-dict order. */
  public static Map<String, long[]> parameterShapes(FlagDitConfig config) {
    Map<String, long[]> out = new LinkedHashMap<>();
    ParameterSpec.params(config).forEach(p -> out.put(p.key(), p.shape().clone()));
    return out;
  }

  /** Whether the network predicts the clean sample and the velocity is derived from it. */
  public boolean predictsData() {
    return predictsData;
  }

  /**
   * The checkpoint metadata of this model: its config plus, for a data-predicting model, that fact.
   */
  public Map<String, String> metadata() {
    Map<String, String> md = new LinkedHashMap<>(config.toMetadata());
    if (predictsData) {
      md.put(PREDICTION_KEY, "\"data\"");
    }
    return md;
  }

  /** Whether this model adds the normalised 2-D position embedding to its patch tokens. */
  public boolean hasAbsolutePositions() {
    return parameters.containsKey(AbsolutePositions.KEY);
  }

  /** A model over caller-owned parameter arrays (validated against {@code config}). */
  public static FlagDit fromParameters(
      FlagDitConfig config, Map<String, NDArray> params, AttentionKernel kernel) {
    validateArrays(config, params);
    NDArray any = params.values().iterator().next();
    return new FlagDit(config, new LinkedHashMap<>(params), kernel, null, any.getDevice());
  }

  /**
   * A model over parameter arrays that live in {@code manager}, which the model takes over (closing
   * the model closes it), as for a loaded checkpoint.
   */
  public static FlagDit adopt(
      FlagDitConfig config,
      Map<String, NDArray> params,
      NDManager manager,
      AttentionKernel kernel) {
    validateArrays(config, params);
    return new FlagDit(config, new LinkedHashMap<>(params), kernel, manager, manager.getDevice());
  }

  private static void validateArrays(FlagDitConfig config, Map<String, NDArray> params) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    params.forEach((k, v) -> shapes.put(k, v.getShape().getShape()));
    ParameterSpec.validate(config, shapes);
  }

  private static Map<String, NDArray> toArrays(Map<String, HostTensor> tensors, NDManager m) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    tensors.forEach((k, t) -> out.put(k, StreamedLoad.toArray(k, t, m)));
    return out;
  }

  public FlagDitConfig config() {
    return config;
  }

  public Device device() {
    return device;
  }

  public AttentionKernel kernel() {
    return kernel;
  }

  /** Bytes the weights take on the device: the parameters plus a bf16 trunk's copies. */
  public long weightBytes() {
    CompiledTrunk c = compiled;
    return Parameters.bytes(parameters.values()) + (c == null ? 0 : c.lowPrecisionBytes());
  }

  /** Parameters by official key, in state-dict order; training may set requiresGradient on them. */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /** Writes the parameters and the config metadata to one safetensors file. */
  public void save(Path file) {
    SafetensorsWriter.writeArrays(file, parameters, metadata());
  }

  /**
   * Velocity for a batch of same-size images: x {@code [B, C, h, w]}, t {@code [B]}, capFeats
   * {@code [B, L, Cy]}, capMask {@code [B, L]} (1 = valid; at least one per row). Returns {@code
   * [B, C, h, w]} (the first C channels when learn_sigma).
   */
  public NDArray forward(
      NDArray x, NDArray t, NDArray capFeats, NDArray capMask, ForwardOptions o) {
    return batched(x, t, capFeats, capMask, o, null, config.inChannels());
  }

  /** Like {@link #forward} but every output channel (2C with learn_sigma). */
  public NDArray forwardFull(
      NDArray x, NDArray t, NDArray capFeats, NDArray capMask, ForwardOptions o) {
    return batched(x, t, capFeats, capMask, o, null, config.outChannels());
  }

  /** {@link #forward} that also fills {@code trace} with the reference's {@code dbg.*} tensors. */
  public NDArray forwardTraced(
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o,
      Map<String, NDArray> trace) {
    return batched(x, t, capFeats, capMask, o, trace, config.inChannels());
  }

  /**
   * The reference {@code forward_with_cfg}: runs the model on {@code [x[:B/2], x[:B/2]]} with the
   * full caption batch (first half conditional, second half unconditional), guides the channels
   * {@code guidance} selects and writes the result to both halves; unguided channels keep each
   * half's own prediction. Returns {@code [B, C, h, w]}.
   */
  public NDArray forwardWithCfg(
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      float cfgScale,
      Guidance guidance,
      ForwardOptions o) {
    long b = x.getShape().get(0);
    if (b % 2 != 0) {
      throw new IllegalArgumentException("forwardWithCfg needs an even batch, got " + b);
    }
    NDManager parent = x.getManager();
    try (NDManager scope = parent.newSubManager()) {
      tempAttach(scope, x, t, capFeats, capMask);
      NDArray half = x.get(new NDIndex(":{}", b / 2));
      NDArray out = forward(half.concat(half, 0), t, capFeats, capMask, o);
      NDArray result = guide(out, (int) (b / 2), cfgScale, guidance);
      result.attach(parent);
      return result;
    }
  }

  /** Guidance over a {@code [2n, C, ...]} prediction (cond rows first). */
  static NDArray guide(NDArray out, int n, float scale, Guidance g) {
    int ch = g.guidedChannels((int) out.getShape().get(1));
    NDArray cond = out.get(new NDIndex(":{}, :{}", n, ch));
    NDArray uncond = out.get(new NDIndex("{}:, :{}", n, ch));
    NDArray guided = uncond.add(cond.sub(uncond).mul(scale));
    NDArray both = guided.concat(guided, 0);
    if (ch == out.getShape().get(1)) {
      return both;
    }
    return both.concat(out.get(new NDIndex(":, {}:", ch)), 1);
  }

  private NDArray batched(
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o,
      Map<String, NDArray> trace,
      int keep) {
    if (x.getShape().dimension() != 4) {
      throw new IllegalArgumentException("x must be [B, C, h, w], got " + x.getShape());
    }
    NDManager parent = x.getManager();
    try (NDManager scope = parent.newSubManager()) {
      tempAttach(scope, x, t, capFeats, capMask);
      Shape s = x.getShape();
      TokenLayout layout = TokenLayout.image((int) s.get(2), (int) s.get(3));
      List<NDArray> latents = new ArrayList<>();
      List<TokenLayout> layouts = new ArrayList<>();
      for (int i = 0; i < s.get(0); i++) {
        latents.add(x.get(i));
        layouts.add(layout);
      }
      NDArray out =
          NDArrays.stack(new NDList(core(latents, layouts, t, capFeats, capMask, o, trace, keep)));
      out.attach(parent);
      if (trace != null) {
        trace.values().forEach(a -> a.attach(parent));
      }
      return out;
    }
  }

  /**
   * Velocity for a batch of jobs of any layouts and sizes (padded to the longest sequence):
   * latents.get(i) has {@code layouts.get(i).latentShape(C)}. Returns one latent per job with C
   * channels (the velocity), attached to the first latent's manager.
   */
  public List<NDArray> forward(
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o) {
    NDManager parent = latents.get(0).getManager();
    try (NDManager scope = parent.newSubManager()) {
      List<NDArray> all = new ArrayList<>(latents);
      all.add(t);
      all.add(capFeats);
      all.add(capMask);
      tempAttach(scope, all.toArray(new NDArray[0]));
      List<NDArray> out =
          core(latents, layouts, t, capFeats, capMask, o, null, config.inChannels());
      out.forEach(a -> a.attach(parent));
      return out;
    }
  }

  static void tempAttach(NDManager scope, NDArray... arrays) {
    Map<NDArray, Boolean> seen = new IdentityHashMap<>();
    for (NDArray a : arrays) {
      if (seen.put(a, Boolean.TRUE) == null && a.getManager() != scope) {
        a.tempAttach(scope);
      }
    }
  }

  private List<NDArray> core(
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o,
      Map<String, NDArray> trace,
      int keep) {
    Arranged a = Arranged.of(weights, config, latents, layouts, t, capFeats, capMask);
    CompiledTrunk trunk = compiled;
    NDArray fin;
    if (trunk != null && trace == null && !PyTorch.gradMode()) {
      fin =
          trunk.run(
              a.x(),
              t,
              capFeats,
              a.capMaskF(),
              a.xMask(),
              config.ropeTheta() * o.ntkFactor(),
              o.ropeScalingFactor(),
              o.selfAttentionScale(a.maxN(), config.headDim()));
    } else {
      checkFullWeights();
      fin =
          EagerTrunk.run(
              weights,
              config,
              kernel,
              a.x(),
              t,
              capFeats,
              a.capMaskF(),
              a.xMask(),
              a.maxN(),
              layouts,
              a.embedded(),
              o,
              trace);
    }
    return a.finish(fin, config, predictsData, latents, layouts, t, keep);
  }

  /** The model's parameters as the per-op path reads them. */
  Weights weights() {
    return weights;
  }

  void checkFullWeights() {
    if (trunkOnly) {
      throw new IllegalStateException(TRUNK_ONLY);
    }
  }

  /** Closes the weights manager when this model owns it (loaded checkpoints). */
  @Override
  public void close() {
    CompiledTrunk c = compiled;
    compiled = null;
    if (c != null) {
      c.close();
    }
    if (ownedManager != null) {
      ownedManager.close();
    }
  }
}
