package dev.lumina.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.lumina.engine.attention.ChunkedAttention;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.SmallTextEncoder;
import dev.lumina.engine.text.TextEncoderConfig;
import dev.lumina.engine.text.Tokenizer;
import dev.lumina.training.data.CaptionGrammar;
import dev.lumina.training.data.Modality;
import dev.lumina.training.data.SyntheticDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains a pixel-space Flag-DiT and its small text encoder jointly on {@link SyntheticDataset} with
 * rectified-flow matching (flag-dit-spec §8): x0 ~ N(0, I) noise, x1 data, t ~ U(0, 1), x_t = t·x1
 * + (1 − t)·x0, the model regresses the velocity x1 − x0 (mean squared error); captions are dropped
 * to "" with probability {@link TrainConfig#captionDropout()}. AdamW with linear warm-up, global
 * gradient-norm clipping, EMA of the weights.
 *
 * <p>Reproducible: initialisation, data, noise and times all derive from the config's seed and the
 * step number. Resumable: every {@link TrainConfig#checkpointEvery()} steps (and at the end) the
 * full state is written to {@code workDir} and the EMA model is exported to {@code exportDir};
 * {@link #run} with {@code resume = true} continues from the last state. Each step's loss is
 * appended to {@code workDir/loss.csv}.
 *
 * <p>Not thread-safe; at most one run per JVM (DJL allows one gradient collector per process).
 */
public final class Trainer {

  /** One progress report. */
  public record Progress(
      long step,
      long totalSteps,
      Modality modality,
      float loss,
      double meanLoss,
      double secondsPerStep,
      long skippedSteps) {}

  /** What a run ended with. */
  public record Result(
      long completedSteps, double finalMeanLoss, double secondsPerStep, Path exportDir) {}

  private final TrainConfig config;
  private final Path workDir;
  private final Path exportDir;

  /**
   * @param config the run's recipe
   * @param workDir where the resumable state and the loss log go
   * @param exportDir the model directory to (re)write at every checkpoint
   */
  public Trainer(TrainConfig config, Path workDir, Path exportDir) {
    this.config = config;
    this.workDir = workDir;
    this.exportDir = exportDir;
  }

  /**
   * Runs (or, with {@code resume}, continues) training up to {@link TrainConfig#steps()}.
   *
   * @param progress called every {@link TrainConfig#logEvery()} steps and at the end
   * @throws IOException if the state, log or export cannot be written
   * @throws IllegalStateException if {@code resume} finds a state from another run
   */
  public Result run(boolean resume, Consumer<Progress> progress) throws IOException {
    return run(resume, null, progress);
  }

  /**
   * Like {@link #run(boolean, Consumer)}, but with {@code initFrom} (a model directory this recipe
   * exported at the start of its {@link RefineStage}) the run starts at that stage from the model's
   * weights instead of from scratch; it ends with the weights a run from scratch ends with.
   *
   * @throws IllegalStateException if {@code initFrom} is not an export of this recipe at the
   *     stage's start, or is combined with {@code resume}
   */
  public Result run(boolean resume, Path initFrom, Consumer<Progress> progress) throws IOException {
    if (initFrom != null && resume) {
      throw new IllegalStateException(
          "initFrom starts a run at its second stage from a model; it cannot be combined"
              + " with resume, which continues the state in "
              + workDir);
    }
    Engine engine = Engine.getInstance();
    SyntheticDataset dataset =
        new SyntheticDataset(
            config.seed(), config.width(), config.height(), config.videoFrames(), config.views());
    Tokenizer tokenizer =
        Tokenizer.fromCorpus(new CaptionGrammar().vocabularyCorpus(), config.maxTokens());
    TextEncoderConfig textConfig =
        new TextEncoderConfig(
            tokenizer.vocabularySize(),
            config.maxTokens(),
            config.textDim(),
            config.textLayers(),
            config.textHeads());
    Files.createDirectories(workDir);
    try (NDManager root = NDManager.newBaseManager()) {
      NDManager weights = root.newSubManager();
      SmallTextEncoder text =
          SmallTextEncoder.initialize(textConfig, tokenizer, weights, config.seed() + 1);
      // Absolute 2-D positions: with 1-D RoPE alone a model this small does not learn, in the
      // training
      // budget, where a prompt's "top left" is (it scatters the shape over the picture).
      // Data prediction: a pixel-space model with 4×4 patches otherwise spends most of its budget
      // learning
      // to pass the noise through unchanged, and leaves speckles of it in every sample.
      FlagDit model =
          FlagDit.initialize(
              config.modelConfig(), weights, config.seed(), new ChunkedAttention(), true, true);
      Map<String, NDArray> params = new LinkedHashMap<>();
      model.parameters().forEach((k, v) -> params.put("model." + k, v));
      text.parameters().forEach((k, v) -> params.put("text." + k, v));
      params.values().forEach(p -> p.setRequiresGradient(true));
      try (AdamW adam = new AdamW(params, root, config.weightDecay());
          Ema ema = new Ema(params, root, config.emaDecay())) {
        long start = 0;
        if (resume) {
          start = TrainingState.restore(workDir, config, params, adam, ema);
        } else {
          if (initFrom != null) {
            start = TrainingState.initFromModel(initFrom, config, params, ema);
          }
          Files.deleteIfExists(workDir.resolve("loss.csv"));
        }
        double mean = Double.NaN;
        double secondsPerStep = Double.NaN;
        long windowStart = System.nanoTime();
        long windowSteps = 0;
        long skipped = 0;
        int consecutiveSkips = 0;
        for (long step = start; step < config.steps(); step++) {
          if (config.refine() != null && step == config.refine().fromStep()) {
            // Second stage: restart from the averaged weights with fresh optimiser moments.
            params.forEach((k, p) -> p.set(ema.weights().get(k).toFloatArray()));
            adam.reset();
          }
          Batch batch = Batch.forStep(config, dataset, step);
          float loss = step(engine, root, model, text, params, adam, ema, batch, step);
          if (Float.isNaN(loss)) {
            skipped++;
            consecutiveSkips++;
            if (consecutiveSkips > 20) {
              throw new IllegalStateException(
                  "loss or gradient non-finite for 20 steps in a row at step "
                      + (step + 1)
                      + "; lower the learning rate or raise the warm-up");
            }
          } else {
            consecutiveSkips = 0;
            mean = Double.isNaN(mean) ? loss : 0.98 * mean + 0.02 * loss;
          }
          appendLoss(step + 1, batch.modality(), loss);
          windowSteps++;
          boolean last = step + 1 == config.steps();
          if ((step + 1) % config.logEvery() == 0 || last) {
            secondsPerStep = (System.nanoTime() - windowStart) / 1e9 / windowSteps;
            progress.accept(
                new Progress(
                    step + 1,
                    config.steps(),
                    batch.modality(),
                    loss,
                    mean,
                    secondsPerStep,
                    skipped));
            windowStart = System.nanoTime();
            windowSteps = 0;
          }
          if ((step + 1) % config.checkpointEvery() == 0 || last) {
            TrainingState.save(workDir, step + 1, config, params, adam, ema);
            export(ema, textConfig, tokenizer, step + 1);
          }
        }
        if (start >= config.steps()) {
          export(ema, textConfig, tokenizer, start);
        }
        return new Result(Math.max(start, config.steps()), mean, secondsPerStep, exportDir);
      }
    }
  }

  private float step(
      Engine engine,
      NDManager root,
      FlagDit model,
      SmallTextEncoder text,
      Map<String, NDArray> params,
      AdamW adam,
      Ema ema,
      Batch batch,
      long step) {
    // DJL's scalar ops (x.mul(2f), x.pow(-0.5f)) wrap the scalar in a direct buffer that the JVM
    // frees once
    // collected, while autograd may still hold it for the backward pass. Collecting here, between
    // steps,
    // keeps collections (and the reuse of those buffers) out of the forward/backward window.
    System.gc();
    try (NDManager sm = root.newSubManager()) {
      // Parameters visit the step's manager so every temporary derived from them is freed with it.
      params.values().forEach(p -> p.tempAttach(sm));
      int b = batch.size();
      int f = batch.frames();
      Shape shape =
          f == 1
              ? new Shape(b, 3, config.height(), config.width())
              : new Shape(b, f, 3, config.height(), config.width());
      NDArray x1 = sm.create(batch.data(), shape);
      NDArray x0 = sm.create(batch.noise(), shape);
      NDArray t = sm.create(batch.times(), new Shape(b));
      long[] bshape = new long[shape.dimension()];
      java.util.Arrays.fill(bshape, 1);
      bshape[0] = b;
      NDArray tb = t.reshape(new Shape(bshape));
      NDArray xt = x1.mul(tb).add(x0.mul(tb.neg().add(1f)));
      NDArray target = x1.sub(x0);
      Shape weightShape =
          f == 1
              ? new Shape(b, 1, config.height(), config.width())
              : new Shape(b, f, 1, config.height(), config.width());
      NDArray pixelWeights = sm.create(batch.pixelWeights(), weightShape);
      float loss;
      try (GradientCollector gc = engine.newGradientCollector()) {
        EncodedText enc = text.encode(batch.captions(), sm);
        NDArray v = velocity(model, batch, xt, t, enc);
        // The velocity error weighted by max(1 − t, 0.05) — for a data-predicting model the error
        // of its
        // clean-picture estimate x̂1. Unweighted, the error near t = 1 is scaled by up to 1 / 0.05²
        // and the
        // gradient is spent on removing the last bit of noise, not on reading the caption at small
        // t.
        // Pixels of the object count 1 + foregroundWeight times (Batch#pixelWeights), broadcast
        // over channels.
        NDArray weight = tb.neg().add(1f).maximum(0.05f);
        NDArray lossArray = v.sub(target).mul(weight).square().mul(pixelWeights).mean();
        // Parameters a batch does not use (e.g. eof_token on image steps) get a defined zero
        // gradient.
        NDArray zero = sm.create(0f);
        NDArray touch = lossArray;
        for (NDArray p : params.values()) {
          touch = touch.add(p.sum().mul(zero));
        }
        gc.backward(touch);
        loss = lossArray.getFloat();
      }
      Map<String, NDArray> grads = new LinkedHashMap<>();
      double sq = 0;
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        NDArray g = e.getValue().getGradient();
        g.attach(sm);
        sq += g.square().sum().getFloat();
        grads.put(e.getKey(), g);
      }
      float norm = (float) Math.sqrt(sq);
      if (!Float.isFinite(loss) || !Float.isFinite(norm)) {
        // A non-finite loss or gradient leaves the weights untouched; the caller counts these.
        grads.values().forEach(Trainer::clear);
        return Float.NaN;
      }
      float scale = (float) Math.min(1.0, config.gradClip() / (norm + 1e-6));
      adam.update(
          params,
          grads,
          config.optimizerStep(step),
          (float) config.learningRateAt(step),
          scale,
          sm);
      grads.values().forEach(Trainer::clear);
      ema.update(params, step + 1, sm);
      return loss;
    }
  }

  /** Sets a gradient to zero in place (a fill, so a NaN left by a bad step is cleared too). */
  private static void clear(NDArray grad) {
    grad.set(new NDIndex("..."), 0f);
  }

  private NDArray velocity(FlagDit model, Batch batch, NDArray xt, NDArray t, EncodedText enc) {
    if (batch.frames() == 1) {
      return model.forward(xt, t, enc.features(), enc.mask(), ForwardOptions.DEFAULT);
    }
    TokenLayout layout =
        batch.modality() == Modality.VIDEO
            ? TokenLayout.video(batch.frames(), config.height(), config.width())
            : TokenLayout.multiview(batch.frames(), config.height(), config.width());
    List<NDArray> latents = new ArrayList<>();
    List<TokenLayout> layouts = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      latents.add(xt.get(i));
      layouts.add(layout);
    }
    return NDArrays.stack(
        new NDList(
            model.forward(
                latents, layouts, t, enc.features(), enc.mask(), ForwardOptions.DEFAULT)));
  }

  private void export(Ema ema, TextEncoderConfig textConfig, Tokenizer tokenizer, long steps)
      throws IOException {
    Map<String, NDArray> modelWeights = new LinkedHashMap<>();
    Map<String, NDArray> textWeights = new LinkedHashMap<>();
    ema.weights()
        .forEach(
            (k, v) -> {
              if (k.startsWith("model.")) {
                modelWeights.put(k.substring("model.".length()), v);
              } else {
                textWeights.put(k.substring("text.".length()), v);
              }
            });
    ModelExport.write(exportDir, config, steps, modelWeights, textConfig, tokenizer, textWeights);
  }

  private void appendLoss(long step, Modality modality, float loss) {
    try {
      Files.writeString(
          workDir.resolve("loss.csv"),
          step + "," + modality + "," + loss + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
