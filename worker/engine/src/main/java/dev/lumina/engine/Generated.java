package dev.lumina.engine;

/**
 * What {@link Generator} sampled for one {@link Generation}: the final latent as host floats, frame
 * by frame. For a pixel-space model the latent is the picture ({@code [C, h, w]} per frame, values
 * about [-1, 1]); for an audio model it is {@code [C, T]} in one frame. Immutable (the arrays are
 * not copied: do not write them).
 *
 * @param frames per frame (one for an image or audio), the latent in channel-major order
 * @param completed false when a {@link StepListener} stopped sampling early
 * @param stepsDone solver steps done
 */
public record Generated(java.util.List<float[]> frames, boolean completed, int stepsDone) {
  public Generated {
    frames = java.util.List.copyOf(frames);
  }
}
