package dev.lumina.training;

/**
 * The second stage of a run. At step {@link #fromStep} the parameters are replaced by their EMA,
 * the AdamW moments start from zero (with their own bias correction), and from then on the steps
 * use this stage's modality shares and a learning rate that warms up over {@link #warmupSteps} and
 * then falls linearly to 0 at the run's last step. The stage starts from the EMA alone, so a model
 * exported at {@code fromStep} is all it needs: {@code lumina train --init-from DIR} continues from
 * such a model and lands where a run from scratch lands.
 *
 * @param fromStep steps completed when the stage starts, >= 1
 * @param videoFraction share of the stage's steps that train on video, [0, 1]
 * @param multiViewFraction share of the stage's steps that train on multi-view sets, [0, 1 −
 *     videoFraction]
 * @param learningRate the stage's peak learning rate, (0, 1)
 * @param warmupSteps linear warm-up steps at the start of the stage, >= 0
 */
public record RefineStage(
    long fromStep,
    double videoFraction,
    double multiViewFraction,
    double learningRate,
    int warmupSteps) {

  public RefineStage {
    if (fromStep < 1) {
      throw new IllegalArgumentException("refine.fromStep must be >= 1, got " + fromStep);
    }
    if (!(videoFraction >= 0 && videoFraction <= 1)) {
      throw new IllegalArgumentException(
          "refine.videoFraction must be in [0, 1], got " + videoFraction);
    }
    if (!(multiViewFraction >= 0 && multiViewFraction <= 1 - videoFraction)) {
      throw new IllegalArgumentException(
          "refine.multiViewFraction must be in [0, 1 - videoFraction], got " + multiViewFraction);
    }
    if (!(learningRate > 0 && learningRate < 1)) {
      throw new IllegalArgumentException(
          "refine.learningRate must be in (0, 1), got " + learningRate);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("refine.warmupSteps must be >= 0, got " + warmupSteps);
    }
  }
}
