package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;

/**
 * One job to sample. Caption features are per job: {@code condFeats [L, Cy]} with {@code condMask
 * [L]} (1 = valid, null = all valid) and, for classifier-free guidance, {@code uncondFeats [L',
 * Cy]} with {@code uncondMask [L']}; null uncond features mean no guidance. Immutable (the arrays
 * are read, never written).
 *
 * @param layout token layout and latent size
 * @param cfgScale guidance scale (ignored without uncond features)
 * @param guidance which channels CFG applies to
 * @param solver ODE solver
 * @param steps grid points S (S − 1 solver steps), >= 2
 * @param timeShift time-shift factor s (1 = off), > 0
 * @param seed the job's noise seed
 * @param options resolution-extrapolation options
 */
public record SamplingRequest(
    TokenLayout layout,
    NDArray condFeats,
    NDArray condMask,
    NDArray uncondFeats,
    NDArray uncondMask,
    float cfgScale,
    Guidance guidance,
    Solver solver,
    int steps,
    float timeShift,
    long seed,
    ForwardOptions options) {

  public SamplingRequest {
    if (layout == null
        || condFeats == null
        || guidance == null
        || solver == null
        || options == null) {
      throw new IllegalArgumentException(
          "layout, condFeats, guidance, solver and options must be set");
    }
    if (condFeats.getShape().dimension() != 2) {
      throw new IllegalArgumentException("condFeats must be [L, Cy], got " + condFeats.getShape());
    }
    if (uncondFeats != null && uncondFeats.getShape().dimension() != 2) {
      throw new IllegalArgumentException(
          "uncondFeats must be [L, Cy], got " + uncondFeats.getShape());
    }
    if (steps < 2) {
      throw new IllegalArgumentException("steps must be >= 2 grid points, got " + steps);
    }
    if (!(timeShift > 0) || Float.isInfinite(timeShift)) {
      throw new IllegalArgumentException("timeShift must be finite and > 0, got " + timeShift);
    }
    if (Float.isNaN(cfgScale) || Float.isInfinite(cfgScale)) {
      throw new IllegalArgumentException("cfgScale must be finite, got " + cfgScale);
    }
  }

  public boolean guided() {
    return uncondFeats != null;
  }
}
