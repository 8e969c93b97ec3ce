package dev.lumina.engine;

/**
 * Told on the sampling thread after every solver step of a batch. Return false to stop sampling
 * (every job of the batch has been cancelled); {@link Generated#completed()} is then false.
 */
@FunctionalInterface
public interface StepListener {

  /** Listens to nothing and never stops. */
  StepListener NONE = (step, total, t, state) -> true;

  /**
   * @param step steps done
   * @param total steps in all
   * @param t the flow time reached
   * @param state the batch's current latents, read on demand (valid only during the call)
   */
  boolean onStep(int step, int total, float t, State state);

  /** The current latents of a batch, copied to the host when asked for. */
  interface State {
    /**
     * Frame {@code frame} (0 for an unframed layout) of generation {@code index}, channel-major.
     */
    float[] frame(int index, int frame);

    /** The whole latent of generation {@code index}, flat (what {@link Generator#resume} takes). */
    float[] latent(int index);
  }
}
