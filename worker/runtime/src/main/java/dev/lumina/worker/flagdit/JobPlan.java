package dev.lumina.worker.flagdit;

import dev.lumina.engine.Generation;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.proto.Modalities;
import dev.lumina.proto.RequestDefaults;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.worker.JobFailedException;

/**
 * A job's parameters with the model's defaults applied ({@link RequestDefaults}: the gateway
 * applies them too; the worker does again so a job published by another producer still runs as
 * documented), and its token layout. Immutable.
 */
record JobPlan(
    Modality modality,
    String prompt,
    String negative,
    TokenLayout layout,
    int channels,
    int steps,
    Solver solver,
    float cfgScale,
    float timeShift,
    long seed,
    Guidance guidance,
    ForwardOptions forwardOptions,
    int previewEvery) {

  /** What the engine samples for this job. */
  Generation generation() {
    return new Generation(
        layout,
        prompt,
        negative,
        cfgScale,
        guidance,
        solver,
        steps,
        timeShift,
        seed,
        forwardOptions);
  }

  static JobPlan resolve(JobEnvelope job, ModelCard card, FlagDitConfig config)
      throws JobFailedException {
    GenerateRequest r = job.getRequest();
    ModelInfo info = card.getInfo();
    Modality modality = Modalities.orDefault(r.getModality());
    Geometry g = RequestDefaults.geometry(r.getGeometry(), modality, info.getDefaultGeometry());
    Sampling s = RequestDefaults.sampling(r.getSampling(), info.getDefaultSampling());
    if (!info.getModalitiesList().contains(modality)) {
      throw JobFailedException.invalid(
          "modality: model "
              + info.getName()
              + " serves "
              + info.getModalitiesList()
              + ", not "
              + modality);
    }
    int width = g.getWidth();
    int height = g.getHeight();
    int frames = g.getFrames();
    int views = g.getViews();
    double duration = g.getDurationS();
    TokenLayout layout;
    try {
      TokenBudget budget =
          new TokenBudget(
              info.getDownsample(), info.getPatchSize(), card.getAudioFramesPerSecond());
      layout = TokenLayout.forJob(modality, width, height, frames, views, duration, budget);
      long tokens = layout.tokenCount(config.patchSize());
      if (info.getMaxTokens() > 0 && tokens > info.getMaxTokens()) {
        throw new IllegalArgumentException(
            "geometry: " + tokens + " tokens exceed the model's max_tokens " + info.getMaxTokens());
      }
    } catch (IllegalArgumentException e) {
      throw JobFailedException.invalid(e.getMessage());
    }
    int steps = s.getSteps();
    if (steps < 2 || (info.getMaxSteps() > 0 && steps > info.getMaxSteps())) {
      throw JobFailedException.invalid(
          "sampling.steps must be in [2, " + info.getMaxSteps() + "], got " + steps);
    }
    float cfg = s.getCfgScale();
    float shift = s.getTimeShift();
    if (!Float.isFinite(cfg) || cfg < 0 || !Float.isFinite(shift) || shift < 1) {
      throw JobFailedException.invalid(
          "sampling: cfg_scale must be finite and >= 0 and time_shift in [1, 100], got "
              + cfg
              + ", "
              + shift);
    }
    long seed = s.hasSeed() ? s.getSeed() : job.getSeed();
    Guidance guidance =
        s.getFullChannelCfg() || modality == Modality.AUDIO
            ? Guidance.ALL_CHANNELS
            : Guidance.FIRST_THREE_CHANNELS;
    ForwardOptions options = ForwardOptions.DEFAULT;
    boolean ntk = !r.getExtrapolation().hasNtkScaling() || r.getExtrapolation().getNtkScaling();
    boolean prop =
        !r.getExtrapolation().hasProportionalAttention()
            || r.getExtrapolation().getProportionalAttention();
    int unit = Math.max(1, info.getPixelUnit());
    if (modality == Modality.IMAGE && info.getTrainSide() >= unit && (ntk || prop)) {
      // Relative to the model's own patch grid: a pixel-space model's patch is not Lumina's 16 px.
      ForwardOptions t2i = ForwardOptions.extrapolation(width, height, info.getTrainSide(), unit);
      options = new ForwardOptions(prop, t2i.baseSeqLen(), ntk ? t2i.ntkFactor() : 1.0, 1.0);
    }
    int previewEvery = r.getOutput().getPreviewEvery();
    return new JobPlan(
        modality,
        r.getPrompt(),
        r.getNegativePrompt(),
        layout,
        config.inChannels(),
        steps,
        FlagDitJobExecutor.solver(s.getSolver()),
        cfg,
        shift,
        seed,
        guidance,
        options,
        previewEvery);
  }
}
