package dev.lumina.training;

import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.text.TextEncoderConfig;

/**
 * Everything that determines a training run: model and text-encoder geometry, data, optimiser and
 * schedule. Two runs with equal configs produce the same checkpoints (same data, noise and
 * initialisation, all derived from {@link #seed}).
 *
 * @param modelName directory name of the exported model under the output's parent, [a-z0-9-]{1,64}
 * @param dim Flag-DiT width D, a multiple of {@code heads} with an even head dim
 * @param layers Flag-DiT blocks, 1..48
 * @param heads Flag-DiT heads, 1..64
 * @param patchSize pixels per patch side (the model works on RGB pixels, no VAE), divides width and
 *     height
 * @param textDim text feature width Cy (also the text encoder's width)
 * @param textLayers text encoder layers, 1..12
 * @param textHeads text encoder heads, divides textDim
 * @param maxTokens longest caption in tokens, BOS included, 2..128
 * @param width training image width in pixels, 8..512
 * @param height training image height in pixels, 8..512
 * @param videoFrames frames per video clip, 2..32
 * @param views views per multi-view set, 1..16
 * @param batchSize image samples per step, 1..4096
 * @param videoBatchSize clips per video step, 1..4096
 * @param multiViewBatchSize sets per multi-view step, 1..4096
 * @param videoFraction share of steps that train on video, [0, 1]
 * @param multiViewFraction share of steps that train on multi-view sets, [0, 1 − videoFraction]
 * @param steps total optimiser steps, >= 1
 * @param learningRate AdamW learning rate (constant after warm-up), (0, 1)
 * @param warmupSteps linear warm-up steps, >= 0
 * @param weightDecay AdamW decoupled weight decay, [0, 1)
 * @param emaDecay EMA decay of the exported weights, [0, 1)
 * @param gradClip global gradient-norm clip, > 0
 * @param captionDropout probability a caption is replaced by "" (for classifier-free guidance), [0,
 *     1]
 * @param timeShift training times are drawn as u / (u + s·(1 − u)) with u ~ U(0, 1) (the mapping of
 *     the sampler's shifted grid, {@code TimeGrid.shifted}); s > 1 puts more of them near t = 0,
 *     where only the caption says what to draw; 1 = uniform; (0, 100]
 * @param foregroundWeight extra loss weight k on the pixels of the object (every pixel that differs
 *     from the scene's background gets weight 1 + k): the object covers 2–10 % of a picture, and
 *     without it the gradient is spent on the background; [0, 1000]
 * @param seed the run's seed
 * @param checkpointEvery steps between resumable checkpoints (and exports), >= 1
 * @param logEvery steps between progress lines, >= 1
 * @param refine the run's second stage (EMA restart, other modality shares, decaying learning
 *     rate), or null for a single-stage run
 */
public record TrainConfig(
    String modelName,
    int dim,
    int layers,
    int heads,
    int patchSize,
    int textDim,
    int textLayers,
    int textHeads,
    int maxTokens,
    int width,
    int height,
    int videoFrames,
    int views,
    int batchSize,
    int videoBatchSize,
    int multiViewBatchSize,
    double videoFraction,
    double multiViewFraction,
    long steps,
    double learningRate,
    int warmupSteps,
    double weightDecay,
    double emaDecay,
    double gradClip,
    double captionDropout,
    double timeShift,
    double foregroundWeight,
    long seed,
    int checkpointEvery,
    int logEvery,
    RefineStage refine) {

  public TrainConfig {
    if (modelName == null || !modelName.matches("[a-z0-9-]{1,64}")) {
      throw new IllegalArgumentException(
          "modelName must match [a-z0-9-]{1,64}, got '" + modelName + "'");
    }
    range("layers", layers, 1, 48);
    range("heads", heads, 1, 64);
    range("dim", dim, 2, 4096);
    range("patchSize", patchSize, 1, 64);
    range("textLayers", textLayers, 1, 12);
    range("maxTokens", maxTokens, 2, 128);
    range("width", width, 8, 512);
    range("height", height, 8, 512);
    range("videoFrames", videoFrames, 2, 32);
    range("views", views, 1, 16);
    range("batchSize", batchSize, 1, 4096);
    range("videoBatchSize", videoBatchSize, 1, 4096);
    range("multiViewBatchSize", multiViewBatchSize, 1, 4096);
    range("warmupSteps", warmupSteps, 0, Integer.MAX_VALUE);
    range("checkpointEvery", checkpointEvery, 1, Integer.MAX_VALUE);
    range("logEvery", logEvery, 1, Integer.MAX_VALUE);
    if (width % patchSize != 0 || height % patchSize != 0) {
      throw new IllegalArgumentException(
          "patchSize ("
              + patchSize
              + ") must divide width and height, got "
              + width
              + "x"
              + height);
    }
    if (!(videoFraction >= 0 && videoFraction <= 1)) {
      throw new IllegalArgumentException("videoFraction must be in [0, 1], got " + videoFraction);
    }
    if (!(multiViewFraction >= 0 && multiViewFraction <= 1 - videoFraction)) {
      throw new IllegalArgumentException(
          "multiViewFraction must be in [0, 1 - videoFraction], got " + multiViewFraction);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
    if (!(learningRate > 0 && learningRate < 1)) {
      throw new IllegalArgumentException("learningRate must be in (0, 1), got " + learningRate);
    }
    if (!(weightDecay >= 0 && weightDecay < 1)) {
      throw new IllegalArgumentException("weightDecay must be in [0, 1), got " + weightDecay);
    }
    if (!(emaDecay >= 0 && emaDecay < 1)) {
      throw new IllegalArgumentException("emaDecay must be in [0, 1), got " + emaDecay);
    }
    if (!(gradClip > 0)) {
      throw new IllegalArgumentException("gradClip must be > 0, got " + gradClip);
    }
    if (!(captionDropout >= 0 && captionDropout <= 1)) {
      throw new IllegalArgumentException("captionDropout must be in [0, 1], got " + captionDropout);
    }
    if (!(timeShift > 0 && timeShift <= 100)) {
      throw new IllegalArgumentException("timeShift must be in (0, 100], got " + timeShift);
    }
    if (!(foregroundWeight >= 0 && foregroundWeight <= 1000)) {
      throw new IllegalArgumentException(
          "foregroundWeight must be in [0, 1000], got " + foregroundWeight);
    }
    // Geometry checks of the model and encoder configs, with their own field names.
    modelConfigFor(dim, layers, heads, patchSize, textDim);
    new TextEncoderConfig(3, maxTokens, textDim, textLayers, textHeads);
  }

  /** Steps of the shipped model's recipe (both stages). */
  public static final long SHIPPED_STEPS = 24000;

  /** The shipped model's recipe: 32×32 RGB, patch 4, D 128, 6 blocks; see docs/training.md. */
  public static TrainConfig shipped() {
    return new TrainConfig(
        "lumina-shapes-32",
        128,
        6,
        4,
        4,
        128,
        2,
        4,
        24,
        32,
        32,
        8,
        4,
        32,
        4,
        8,
        0.15,
        0.05,
        SHIPPED_STEPS,
        6e-4,
        100,
        0.0,
        0.998,
        2.0,
        0.1,
        4.0,
        9.0,
        20261126L,
        100,
        10,
        new RefineStage(12000, 0.45, 0.05, 5e-4, 100));
  }

  /** A tiny recipe for tests: 16×16, D 32, 2 blocks. */
  public static TrainConfig tiny(long steps) {
    return new TrainConfig(
        "tiny-test",
        32,
        2,
        2,
        4,
        32,
        1,
        2,
        24,
        16,
        16,
        2,
        2,
        8,
        2,
        2,
        0.0,
        0.0,
        steps,
        2e-3,
        0,
        0.0,
        0.9,
        2.0,
        0.1,
        1.0,
        0.0,
        7L,
        1000,
        1000,
        null);
  }

  /** The Flag-DiT architecture this run trains (RGB pixels, no learn_sigma, with [nextframe]). */
  public FlagDitConfig modelConfig() {
    return modelConfigFor(dim, layers, heads, patchSize, textDim);
  }

  private static FlagDitConfig modelConfigFor(
      int dim, int layers, int heads, int patchSize, int textDim) {
    return new FlagDitConfig(
        dim,
        layers,
        heads,
        heads,
        true,
        textDim,
        patchSize,
        3,
        false,
        FlagDitConfig.ffnHidden(dim, 64, null),
        1e-5f,
        10000.0,
        256,
        10000.0,
        true);
  }

  /** A copy with another step count. */
  public TrainConfig withSteps(long newSteps) {
    return new TrainConfig(
        modelName,
        dim,
        layers,
        heads,
        patchSize,
        textDim,
        textLayers,
        textHeads,
        maxTokens,
        width,
        height,
        videoFrames,
        views,
        batchSize,
        videoBatchSize,
        multiViewBatchSize,
        videoFraction,
        multiViewFraction,
        newSteps,
        learningRate,
        warmupSteps,
        weightDecay,
        emaDecay,
        gradClip,
        captionDropout,
        timeShift,
        foregroundWeight,
        seed,
        checkpointEvery,
        logEvery,
        refine);
  }

  /** A copy with another checkpoint and log interval. */
  public TrainConfig withIntervals(int newCheckpointEvery, int newLogEvery) {
    return new TrainConfig(
        modelName,
        dim,
        layers,
        heads,
        patchSize,
        textDim,
        textLayers,
        textHeads,
        maxTokens,
        width,
        height,
        videoFrames,
        views,
        batchSize,
        videoBatchSize,
        multiViewBatchSize,
        videoFraction,
        multiViewFraction,
        steps,
        learningRate,
        warmupSteps,
        weightDecay,
        emaDecay,
        gradClip,
        captionDropout,
        timeShift,
        foregroundWeight,
        seed,
        newCheckpointEvery,
        newLogEvery,
        refine);
  }

  /** A copy with other modality shares. */
  public TrainConfig withModalities(double newVideoFraction, double newMultiViewFraction) {
    return new TrainConfig(
        modelName,
        dim,
        layers,
        heads,
        patchSize,
        textDim,
        textLayers,
        textHeads,
        maxTokens,
        width,
        height,
        videoFrames,
        views,
        batchSize,
        videoBatchSize,
        multiViewBatchSize,
        newVideoFraction,
        newMultiViewFraction,
        steps,
        learningRate,
        warmupSteps,
        weightDecay,
        emaDecay,
        gradClip,
        captionDropout,
        timeShift,
        foregroundWeight,
        seed,
        checkpointEvery,
        logEvery,
        refine);
  }

  /** A copy with another second stage (null: none). */
  public TrainConfig withRefine(RefineStage newRefine) {
    return new TrainConfig(
        modelName,
        dim,
        layers,
        heads,
        patchSize,
        textDim,
        textLayers,
        textHeads,
        maxTokens,
        width,
        height,
        videoFrames,
        views,
        batchSize,
        videoBatchSize,
        multiViewBatchSize,
        videoFraction,
        multiViewFraction,
        steps,
        learningRate,
        warmupSteps,
        weightDecay,
        emaDecay,
        gradClip,
        captionDropout,
        timeShift,
        foregroundWeight,
        seed,
        checkpointEvery,
        logEvery,
        newRefine);
  }

  /** Whether step {@code step} (0-based) belongs to the second stage. */
  public boolean inRefineStage(long step) {
    return refine != null && step >= refine.fromStep();
  }

  /** Share of video steps at step {@code step} (0-based). */
  public double videoFractionAt(long step) {
    return inRefineStage(step) ? refine.videoFraction() : videoFraction;
  }

  /** Share of multi-view steps at step {@code step} (0-based). */
  public double multiViewFractionAt(long step) {
    return inRefineStage(step) ? refine.multiViewFraction() : multiViewFraction;
  }

  /**
   * The learning rate of step {@code step} (0-based): linear warm-up to {@link #learningRate},
   * constant after; in the second stage, a new warm-up to the stage's rate and a linear fall to 0
   * at {@link #steps}.
   */
  public double learningRateAt(long step) {
    if (!inRefineStage(step)) {
      return learningRate * (warmupSteps == 0 ? 1 : Math.min(1.0, (step + 1.0) / warmupSteps));
    }
    long k = step - refine.fromStep();
    double warm = refine.warmupSteps() == 0 ? 1 : Math.min(1.0, (k + 1.0) / refine.warmupSteps());
    double remaining = (double) (steps - step) / (steps - refine.fromStep());
    return refine.learningRate() * warm * remaining;
  }

  /** AdamW's step count for bias correction (from 1; restarts with the second stage). */
  public long optimizerStep(long step) {
    return inRefineStage(step) ? step - refine.fromStep() + 1 : step + 1;
  }

  /** A copy with another training-time shift and foreground loss weight. */
  public TrainConfig withLossShaping(double newTimeShift, double newForegroundWeight) {
    return new TrainConfig(
        modelName,
        dim,
        layers,
        heads,
        patchSize,
        textDim,
        textLayers,
        textHeads,
        maxTokens,
        width,
        height,
        videoFrames,
        views,
        batchSize,
        videoBatchSize,
        multiViewBatchSize,
        videoFraction,
        multiViewFraction,
        steps,
        learningRate,
        warmupSteps,
        weightDecay,
        emaDecay,
        gradClip,
        captionDropout,
        newTimeShift,
        newForegroundWeight,
        seed,
        checkpointEvery,
        logEvery,
        refine);
  }

  private static void range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
