package dev.lumina.engine.sampling;

/**
 * Where one job's sampling stands at a grid point: the steps done and the latent reached, flat in
 * the layout's latent order. Enough to continue it: the noise was drawn from the seed before step
 * 1, and no solver carries state across grid points. Immutable (the array is not copied: do not
 * change it).
 *
 * @param step solver steps done, at least 1
 * @param latent the job's latent after them, float32
 */
public record SamplerState(int step, float[] latent) {
  public SamplerState {
    if (step < 1) {
      throw new IllegalArgumentException("step must be >= 1, got " + step);
    }
    if (latent == null || latent.length == 0) {
      throw new IllegalArgumentException("latent must not be empty");
    }
  }
}
