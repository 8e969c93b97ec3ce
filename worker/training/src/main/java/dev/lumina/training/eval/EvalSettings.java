package dev.lumina.training.eval;

/**
 * How {@link Evaluator} samples: prompts per evaluation set, Euler grid points, guidance scale,
 * time shift, noise seed, and whether to run the extrapolation sets (2× resolution and 1:2 / 2:1
 * aspect) and the video sets.
 *
 * @param samplesPerSet prompts per set, 1..4096
 * @param steps time-grid points (steps − 1 Euler steps), 2..1000
 * @param cfgScale classifier-free guidance scale (1 = conditional only), [1, 20]
 * @param timeShift time shift s of the grid, > 0 (1 = uniform)
 * @param seed noise seed (sample i of a set uses seed + i)
 * @param extrapolation also score 2× resolution and 1:2 / 2:1 aspect ratios
 * @param video also score video clips
 */
public record EvalSettings(
    int samplesPerSet,
    int steps,
    float cfgScale,
    float timeShift,
    long seed,
    boolean extrapolation,
    boolean video) {

  public EvalSettings {
    if (samplesPerSet < 1 || samplesPerSet > 4096) {
      throw new IllegalArgumentException(
          "samplesPerSet must be in [1, 4096], got " + samplesPerSet);
    }
    if (steps < 2 || steps > 1000) {
      throw new IllegalArgumentException("steps must be in [2, 1000], got " + steps);
    }
    if (!(cfgScale >= 1 && cfgScale <= 20)) {
      throw new IllegalArgumentException("cfgScale must be in [1, 20], got " + cfgScale);
    }
    if (!(timeShift > 0) || Float.isInfinite(timeShift)) {
      throw new IllegalArgumentException("timeShift must be finite and > 0, got " + timeShift);
    }
  }

  /** The settings the documented numbers use. */
  public static EvalSettings defaults() {
    return new EvalSettings(48, 31, 4.0f, 1.0f, 1234L, true, true);
  }
}
