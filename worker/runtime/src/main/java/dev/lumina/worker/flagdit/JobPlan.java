package dev.lumina.worker.flagdit;

import dev.lumina.proto.Modalities;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.engine.Generation;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.worker.JobFailedException;
import dev.lumina.engine.sampling.Solver;

/**
 * A job's parameters with the model's defaults applied (the gateway applies them too; the worker
 * does again so a job published by another producer still runs as documented), and its token
 * layout. Immutable.
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
    return new Generation(layout, prompt, negative, cfgScale, guidance, solver, steps, timeShift, seed, forwardOptions);
  }

  static JobPlan resolve(JobEnvelope job, ModelCard card, FlagDitConfig config) throws JobFailedException {
    GenerateRequest r = job.getRequest();
    ModelInfo info = card.getInfo();
    Geometry dg = info.getDefaultGeometry();
    Sampling ds = info.getDefaultSampling();
    Geometry g = r.getGeometry();
    Sampling s = r.getSampling();
    Modality modality = Modalities.orDefault(r.getModality());
    if (!info.getModalitiesList().contains(modality)) {
      throw JobFailedException.invalid(
          "modality: model " + info.getName() + " serves " + info.getModalitiesList() + ", not " + modality);
    }
    int width = g.getWidth() == 0 ? dg.getWidth() : g.getWidth();
    int height = g.getHeight() == 0 ? dg.getHeight() : g.getHeight();
    int frames = modality == Modality.VIDEO ? (g.getFrames() == 0 ? dg.getFrames() : g.getFrames()) : 0;
    int views = modality == Modality.MULTIVIEW ? (g.getViews() == 0 ? dg.getViews() : g.getViews()) : 0;
    double duration = modality == Modality.AUDIO ? (g.getDurationS() == 0 ? dg.getDurationS() : g.getDurationS()) : 0;
    TokenLayout layout;
    try {
      TokenBudget budget = new TokenBudget(info.getDownsample(), info.getPatchSize(), card.getAudioFramesPerSecond());
      layout = TokenLayout.forJob(modality, width, height, frames, views, duration, budget);
      long tokens = layout.tokenCount(config.patchSize());
      if (info.getMaxTokens() > 0 && tokens > info.getMaxTokens()) {
        throw new IllegalArgumentException(
            "geometry: " + tokens + " tokens exceed the model's max_tokens " + info.getMaxTokens());
      }
    } catch (IllegalArgumentException e) {
      throw JobFailedException.invalid(e.getMessage());
    }
    int steps = s.getSteps() == 0 ? ds.getSteps() : s.getSteps();
    if (steps < 2 || (info.getMaxSteps() > 0 && steps > info.getMaxSteps())) {
      throw JobFailedException.invalid("sampling.steps must be in [2, " + info.getMaxSteps() + "], got " + steps);
    }
    float cfg = s.getCfgScale() == 0 ? ds.getCfgScale() : s.getCfgScale();
    if (cfg == 0) {
      cfg = 1f;
    }
    float shift = s.getTimeShift() == 0 ? ds.getTimeShift() : s.getTimeShift();
    if (shift == 0) {
      shift = 1f;
    }
    if (!Float.isFinite(cfg) || cfg < 0 || !Float.isFinite(shift) || shift < 1) {
      throw JobFailedException.invalid(
          "sampling: cfg_scale must be finite and >= 0 and time_shift in [1, 100], got " + cfg + ", " + shift);
    }
    long seed = s.hasSeed() ? s.getSeed() : job.getSeed();
    Guidance guidance =
        s.getFullChannelCfg() || modality == Modality.AUDIO ? Guidance.ALL_CHANNELS : Guidance.FIRST_THREE_CHANNELS;
    ForwardOptions options = ForwardOptions.DEFAULT;
    boolean ntk = !r.getExtrapolation().hasNtkScaling() || r.getExtrapolation().getNtkScaling();
    boolean prop =
        !r.getExtrapolation().hasProportionalAttention() || r.getExtrapolation().getProportionalAttention();
    int unit = Math.max(1, info.getPixelUnit());
    if (modality == Modality.IMAGE && info.getTrainSide() >= unit && (ntk || prop)) {
      // Relative to the model's own patch grid: a pixel-space model's patch is not Lumina's 16 px.
      ForwardOptions t2i = ForwardOptions.extrapolation(width, height, (int) info.getTrainSide(), unit);
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
        FlagDitJobExecutor.solver(s.getSolver(), ds.getSolver()),
        cfg,
        shift,
        seed,
        guidance,
        options,
        previewEvery);
  }
}
