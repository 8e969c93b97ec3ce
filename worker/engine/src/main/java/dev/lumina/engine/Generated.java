package dev.lumina.engine;

/**
 * What {@link Generator} sampled for one {@link Generation}, as host floats, frame by frame: for a
 * latent model the VAE-decoded picture ({@code [3, h·f, w·f]} per frame, values about [-1, 1]); for
 * a pixel-space model the sample itself is the picture ({@code [C, h, w]} per frame); for an audio
 * model it is {@code [C, T]} in one frame. A generation stopped early keeps its undecoded latent.
 * Immutable (the arrays are not copied: do not write them).
 *
 * @param frames per frame (one for an image or audio), channel-major
 * @param completed false when a {@link StepListener} stopped sampling early
 * @param stepsDone solver steps done
 * @param timings where the time went
 */
public record Generated(
    java.util.List<float[]> frames, boolean completed, int stepsDone, Timings timings) {
  public Generated {
    frames = java.util.List.copyOf(frames);
  }

  /**
   * Milliseconds spent on this generation.
   *
   * @param textMs caption encoding (0 when its features were cached)
   * @param sampleMs sampling, shared by the whole batch
   * @param decodeMs the latent decoder (0 for a pixel-space model)
   */
  public record Timings(long textMs, long sampleMs, long decodeMs) {}
}
