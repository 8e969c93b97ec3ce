package dev.lumina.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.checkpoint.ModelArgs;
import dev.lumina.engine.model.BatchForward;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ShardedFlagDit;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.ShardPeers;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.FlagDitSampler;
import dev.lumina.engine.sampling.SampleResult;
import dev.lumina.engine.sampling.SamplingRequest;
import dev.lumina.engine.sampling.StepBatcher;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.engine.text.TextEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * A loaded model directory ready to generate: the Flag-DiT, its text encoder and the flow sampler,
 * behind a plain-Java API (strings in, host float arrays out), so callers never touch the tensor
 * library.
 *
 * <p>Thread-safety: {@link #generate} may be called from several threads (the model and encoder
 * only read their weights); {@link #close} must not race with it.
 */
public final class Generator implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Generator.class);

  private final NDManager manager;
  private final FlagDit model;
  private final TextEncoder text;
  private final LatentDecoder decoder;
  private final ModelDescription description;
  private final GenerationInputs inputs;
  private volatile ShardGroup group;
  private volatile ShardPeers peers;
  private volatile StepBatcher batcher;

  /**
   * Most bytes of caption features kept for prompts seen before (64 MiB: ~40 LLaMA-7B prompt
   * pairs).
   */
  public static final long CAPTION_CACHE_BYTES = 64L * 1024 * 1024;

  private Generator(
      NDManager manager,
      FlagDit model,
      TextEncoder text,
      LatentDecoder decoder,
      ModelDescription description) {
    this.manager = manager;
    this.model = model;
    this.text = text;
    this.inputs = new GenerationInputs(text, new CaptionCache(CAPTION_CACHE_BYTES));
    this.decoder = decoder;
    this.description = description;
  }

  /**
   * Loads {@code model.safetensors} (or tensor-parallel shards) and the text encoder files of
   * {@code modelDir} on the engine's default device with its fastest attention kernel; a folder in
   * the release layout (see {@link ModelLayout}) loads as such.
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static Generator load(Path modelDir) throws IOException {
    return load(ModelLayout.of(modelDir));
  }

  /**
   * Loads the Flag-DiT, the text encoder and, for a latent model, the VAE decoder that {@code
   * layout} names, on the engine's default device with its fastest attention kernel.
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static Generator load(ModelLayout layout) throws IOException {
    Device device = PyTorch.defaultDevice();
    Optional<ModelArgs> args =
        layout.modelArgs().isPresent()
            ? Optional.of(ModelArgs.read(layout.modelArgs().get()))
            : Optional.empty();
    FlagDit model = FlagDit.load(layout.transformer(), device, AttentionKernels.best(device));
    try {
      Engines.prepare(model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    NDManager manager = PyTorch.newManager(device);
    TextEncoder text = null;
    LatentDecoder decoder = null;
    try {
      text = Engines.prepare(TextEncoders.load(layout.textEncoder(), manager));
      if (text.featureDim() != model.config().capFeatDim()) {
        throw new IllegalArgumentException(
            layout.textEncoder()
                + ": the text encoder gives "
                + text.featureDim()
                + "-wide features, the Flag-DiT in "
                + layout.transformer()
                + " takes "
                + model.config().capFeatDim());
      }
      if (layout.vae().isPresent()) {
        decoder = LatentDecoders.load(layout.vae().get(), device);
      }
      ModelDescription description =
          new ModelDescription(
              model.config(),
              decoder == null ? 1 : decoder.spatialFactor(),
              args.flatMap(ModelArgs::imageSize).map(OptionalInt::of).orElse(OptionalInt.empty()),
              args.flatMap(ModelArgs::model));
      LOG.info(
          "loaded {}: Flag-DiT {} MiB ({} engine, {}), text encoder {} MiB, decoder {} MiB (on {})",
          layout.root(),
          mib(model.weightBytes()),
          model.engine().flag(),
          model.precision().flag(),
          mib(text.weightBytes()),
          decoder == null ? "-" : mib(decoder.weightBytes()),
          device);
      return new Generator(manager, model, text, decoder, description);
    } catch (IOException | RuntimeException e) {
      if (decoder != null) {
        decoder.close();
      }
      if (text != null) {
        text.close();
      }
      model.close();
      manager.close();
      throw e;
    }
  }

  private static String mib(long bytes) {
    return bytes < 0
        ? "?"
        : String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
  }

  /** The engine the Flag-DiT runs on. */
  public dev.lumina.engine.model.EngineKind engine() {
    return model.engine();
  }

  /** The arithmetic the Flag-DiT runs in. */
  public dev.lumina.engine.model.Precision precision() {
    return model.precision();
  }

  /** What the model says about itself (architecture, latent scale, release metadata). */
  public ModelDescription describe() {
    return description;
  }

  /**
   * Whether {@link Generated#frames()} are decoded pixels of a latent model rather than the raw
   * sample.
   */
  public boolean decodesLatents() {
    return decoder != null;
  }

  /** The model's architecture. */
  public FlagDitConfig config() {
    return model.config();
  }

  /**
   * Samples the generations as one batch (they must share {@link Generation#batchKey()}); each
   * keeps its own noise, captions and guidance. Results in request order.
   */
  public List<Generated> generate(List<Generation> generations, StepListener listener) {
    return generate(generations, listener, null);
  }

  /**
   * Samples one generation. With step batching on ({@link #useStepBatching}) and a fixed-step
   * solver, it shares forwards with the other generations running at the time, with the result it
   * gets alone; {@code cancelled} is then checked before every forward (else after every step, like
   * the listener's answer).
   */
  public Generated generate(
      Generation generation, StepListener listener, BooleanSupplier cancelled) {
    StepBatcher b = batcherFor(generation);
    if (b != null) {
      return batched(b, generation, listener, cancelled, null);
    }
    StepListener checked =
        (step, total, t, state) ->
            listener.onStep(step, total, t, state) && !cancelled.getAsBoolean();
    return generate(List.of(generation), checked, null).get(0);
  }

  /**
   * Turns step-level continuous batching on ({@code batchTokens} > 0: the most image tokens, rows ×
   * tokens, of one forward) or off (0). While on, single generations with a fixed-step solver
   * ({@link #generate(Generation, StepListener, BooleanSupplier)}, {@link #resume}) share forwards.
   * Not to be called while generations run.
   */
  public void useStepBatching(long batchTokens) {
    if (batchTokens < 0) {
      throw new IllegalArgumentException("batchTokens must be >= 0, got " + batchTokens);
    }
    StepBatcher old = batcher;
    batcher =
        batchTokens == 0
            ? null
            : new StepBatcher(
                model::forward, model.config(), text.maxTokens(), batchTokens, manager);
    if (old != null) {
      old.close();
    }
  }

  /** The step batcher {@code g} runs through, or null when it runs on its own. */
  private StepBatcher batcherFor(Generation g) {
    StepBatcher b = batcher;
    return b != null && peers == null && group == null && StepBatcher.supports(g.solver())
        ? b
        : null;
  }

  /** Forwards and rows the step batcher has run (zeros when batching is off). */
  public long[] stepBatchCounts() {
    StepBatcher b = batcher;
    return b == null ? new long[2] : new long[] {b.forwards(), b.rows()};
  }

  private Generated batched(
      StepBatcher b,
      Generation g,
      StepListener listener,
      BooleanSupplier cancelled,
      dev.lumina.engine.sampling.SamplerState from) {
    PyTorch.setGradMode(false);
    try (NDManager m = manager.newSubManager()) {
      long t0 = System.nanoTime();
      SamplingRequest r = inputs.request(g, m);
      long textMs = (System.nanoTime() - t0) / 1_000_000;
      long sampleStart = System.nanoTime();
      TokenLayout layout = g.layout();
      StepBatcher.Result res;
      try {
        res =
            b.submit(
                    r,
                    from,
                    (step, total, t, latent) ->
                        listener.onStep(
                            step, total, t, LatentFrames.state(i -> layout, i -> latent)),
                    cancelled)
                .join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw e;
      }
      long sampleMs = (System.nanoTime() - sampleStart) / 1_000_000;
      NDArray latent = m.create(res.latent(), layout.latentShape(model.config().inChannels()));
      long decodeStart = System.nanoTime();
      List<float[]> host = hostFrames(layout, latent, res.completed());
      return new Generated(
          host,
          res.completed(),
          res.stepsDone(),
          new Generated.Timings(textMs, sampleMs, (System.nanoTime() - decodeStart) / 1_000_000));
    }
  }

  /**
   * Continues {@code generation} from {@code from} (its state after {@code from.step()} steps, as
   * {@link StepListener.State#latent} gave it) to the end: the result of the uninterrupted run when
   * that ran alone. The listener is told of steps {@code from.step() + 1} on.
   *
   * @throws IllegalArgumentException when the state does not fit the generation
   */
  public Generated resume(
      Generation generation, dev.lumina.engine.sampling.SamplerState from, StepListener listener) {
    StepBatcher b = batcherFor(generation);
    if (b != null) {
      return batched(b, generation, listener, () -> false, from);
    }
    return generate(List.of(generation), listener, from).get(0);
  }

  /**
   * Runs every later generation across the ranks of {@code shardGroup} (null: on this thread
   * alone). The ranks share this generator's weights and run the Flag-DiT per op in fp32; the
   * leader alone reports steps and decodes. Not to be called while generations run.
   *
   * @throws IllegalArgumentException if the group's Ulysses degree does not divide the heads
   * @throws IllegalStateException if the model holds bf16 weights only (--dtype bf16)
   */
  public void useShardGroup(ShardGroup shardGroup) {
    if (shardGroup != null) {
      checkShardable(shardGroup.degrees());
    }
    group = shardGroup;
  }

  /** The shard group generations run on, if any. */
  public Optional<ShardGroup> shardGroup() {
    return Optional.ofNullable(group);
  }

  private List<Generated> generate(
      List<Generation> generations,
      StepListener listener,
      dev.lumina.engine.sampling.SamplerState from) {
    ShardPeers p = peers;
    if (p != null) {
      // The followers sample the same batch: it travels first.
      p.broadcast(GenerationCodec.encode(generations, from));
      return generate(
          generations,
          voting(listener, p.world(), true),
          from,
          new ShardedFlagDit(model).on(p.mesh()),
          true);
    }
    ShardGroup g = group;
    if (g == null) {
      return generate(generations, listener, from, model::forward, true);
    }
    ShardedFlagDit sharded = new ShardedFlagDit(model);
    return g.run(
        (mesh, world, leader) ->
            generate(
                generations,
                voting(leader ? listener : StepListener.NONE, world, leader),
                from,
                sharded.on(mesh),
                leader));
  }

  /**
   * Leads {@code shardPeers}: every later generation is sent to the followers and run across the
   * group (see {@link #useShardGroup} for what the ranks share). The followers run {@link #follow}.
   *
   * @throws IllegalArgumentException if this rank does not lead, or the degrees do not suit the
   *     model
   * @throws IllegalStateException if the model holds bf16 weights only
   */
  public void leadShardPeers(ShardPeers shardPeers) {
    if (!shardPeers.leader()) {
      throw new IllegalArgumentException("rank " + shardPeers.world().rank() + " does not lead");
    }
    checkShardable(shardPeers.degrees());
    peers = shardPeers;
  }

  /**
   * Follows {@code shardPeers}' leader: runs every batch it sends, in lock-step with the group,
   * until the leader or a peer is gone; nothing is reported or decoded here.
   *
   * @throws dev.lumina.engine.parallel.CollectiveException when the group breaks (always, in the
   *     end)
   */
  public void follow(ShardPeers shardPeers) {
    checkShardable(shardPeers.degrees());
    ShardedFlagDit sharded = new ShardedFlagDit(model);
    while (true) {
      GenerationCodec.Batch b = GenerationCodec.decode(shardPeers.awaitJob());
      generate(
          b.generations(),
          voting(StepListener.NONE, shardPeers.world(), false),
          b.from(),
          sharded.on(shardPeers.mesh()),
          false);
    }
  }

  /**
   * Checks that this model can run across ranks laid out as {@code d}.
   *
   * @throws IllegalArgumentException if the Ulysses degree does not divide the heads
   * @throws IllegalStateException if the model holds bf16 weights only (--dtype bf16)
   */
  public void checkShardable(dev.lumina.engine.parallel.ParallelDegrees d) {
    d.check(model.config().nHeads(), model.config().nKvHeads());
    if (model.trunkOnly()) {
      throw new IllegalStateException(
          "shard groups run the Flag-DiT in fp32: start the worker with --dtype fp32");
    }
  }

  /** A listener every rank calls: the leader's answer, shared, decides for all. */
  private static StepListener voting(StepListener listener, Collective world, boolean leader) {
    return (step, total, t, state) -> {
      boolean go = !leader || listener.onStep(step, total, t, state);
      // Every rank stops at the step the leader stops at.
      byte[][] votes = world.allGather(leader ? new byte[] {(byte) (go ? 1 : 0)} : new byte[0]);
      return votes[0][0] == 1;
    };
  }

  private List<Generated> generate(
      List<Generation> generations,
      StepListener listener,
      dev.lumina.engine.sampling.SamplerState from,
      BatchForward forward,
      boolean leader) {
    PyTorch.setGradMode(false);
    try (NDManager m = manager.newSubManager()) {
      List<SamplingRequest> requests = new ArrayList<>();
      long[] textNanos = new long[generations.size()];
      for (int i = 0; i < generations.size(); i++) {
        long t0 = System.nanoTime();
        requests.add(inputs.request(generations.get(i), m));
        textNanos[i] = System.nanoTime() - t0;
      }
      long sampleStart = System.nanoTime();
      FlagDitSampler.BatchStepCallback callback =
          (step, total, t, latents) ->
              listener.onStep(
                  step,
                  total,
                  t,
                  LatentFrames.state(i -> generations.get(i).layout(), latents::get));
      List<SampleResult> results =
          from == null
              ? FlagDitSampler.sampleBatch(forward, model.config(), requests, callback, m)
              : List.of(
                  FlagDitSampler.resume(
                      forward, model.config(), requests.get(0), from, callback, m));
      long sampleMs = (System.nanoTime() - sampleStart) / 1_000_000;
      if (!leader) {
        return List.of();
      }
      List<Generated> out = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        SampleResult r = results.get(i);
        TokenLayout layout = generations.get(i).layout();
        long decodeStart = System.nanoTime();
        List<float[]> host = hostFrames(layout, r.latent(), r.completed());
        out.add(
            new Generated(
                host,
                r.completed(),
                r.stepsDone(),
                new Generated.Timings(
                    textNanos[i] / 1_000_000,
                    sampleMs,
                    (System.nanoTime() - decodeStart) / 1_000_000)));
      }
      return out;
    }
  }

  /**
   * Every frame of a sample on the host: decoded by the VAE when the model has one and the sample
   * is complete, else the latent's own values.
   */
  private List<float[]> hostFrames(TokenLayout layout, NDArray latent, boolean completed) {
    return LatentFrames.host(layout, latent, completed ? decoder : null);
  }

  /** Device memory of the loaded weights (Flag-DiT, text encoder and decoder), float32. */
  public long weightBytes() {
    return model.weightBytes()
        + Math.max(0, text.weightBytes())
        + (decoder == null ? 0 : decoder.weightBytes());
  }

  /** How often a generation found its caption features in the cache. */
  public long captionCacheHits() {
    return inputs.cacheHits();
  }

  /** Bytes of caption features the cache holds. */
  public long captionCacheBytes() {
    return inputs.cacheBytes();
  }

  @Override
  public void close() {
    if (batcher != null) {
      batcher.close();
    }
    if (decoder != null) {
      decoder.close();
    }
    text.close();
    model.close();
    manager.close();
  }
}
