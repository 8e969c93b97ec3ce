package dev.lumina.engine;

import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.sampling.Solver;

/**
 * One generation for {@link Generator}: the prompt (and, with guidance, the negative prompt), the
 * token layout and the sampler settings. Immutable.
 *
 * @param layout token layout and latent size
 * @param prompt the caption
 * @param negativePrompt the unconditional caption; used only when {@link #guided()}
 * @param cfgScale classifier-free guidance scale; {@code 1} means no guidance (one forward per
 *     step)
 * @param guidance which channels guidance applies to
 * @param solver ODE solver
 * @param steps grid points (steps − 1 solver steps), at least 2
 * @param timeShift time-shift factor (1 = off)
 * @param seed the noise seed
 * @param options resolution-extrapolation options
 */
public record Generation(
    TokenLayout layout,
    String prompt,
    String negativePrompt,
    float cfgScale,
    Guidance guidance,
    Solver solver,
    int steps,
    float timeShift,
    long seed,
    ForwardOptions options) {

  public Generation {
    if (layout == null || prompt == null || guidance == null || solver == null || options == null) {
      throw new IllegalArgumentException(
          "layout, prompt, guidance, solver and options must be set");
    }
    negativePrompt = negativePrompt == null ? "" : negativePrompt;
  }

  /** Whether the sampler runs the unconditional branch too. */
  public boolean guided() {
    return cfgScale != 1f;
  }

  /** The settings a batch must share: generations with equal keys may be sampled together. */
  public Object batchKey() {
    return java.util.List.of(layout, solver, steps, timeShift, options);
  }
}
