package dev.lumina.proto;

import dev.lumina.proto.v1.Modality;

/**
 * A job's size in Flag-DiT tokens: the unit the gateway budgets, the scheduler places and the
 * worker runs by. One definition shared by every role; the worker's token layout is tested to
 * produce exactly these counts.
 *
 * <p>Per picture (image, video frame, view): {@code (h/p)·(w/p + 1)} tokens, one {@code [nextline]}
 * per patch row, where {@code h = height / downsample}, {@code w = width / downsample}. Video and
 * multi-view add one {@code [nextframe]} after each frame or view. Audio has no patchify: one token
 * per latent frame.
 *
 * <p>Immutable and thread-safe.
 *
 * @param downsample pixels per latent cell (8 for a VAE, 1 for a pixel-space model)
 * @param patchSize latent cells per patch side
 * @param audioFramesPerSecond latent frames per second of audio (0 when the model has no audio)
 */
public record TokenBudget(int downsample, int patchSize, double audioFramesPerSecond) {

  public TokenBudget {
    if (downsample < 1) {
      throw new IllegalArgumentException("downsample must be >= 1, got " + downsample);
    }
    if (patchSize < 1) {
      throw new IllegalArgumentException("patchSize must be >= 1, got " + patchSize);
    }
    if (!(audioFramesPerSecond >= 0) || Double.isInfinite(audioFramesPerSecond)) {
      throw new IllegalArgumentException("audioFramesPerSecond must be finite and >= 0");
    }
  }

  /** Pixels per side a picture dimension must be a multiple of. */
  public int pixelUnit() {
    return downsample * patchSize;
  }

  /** Tokens of one picture, including its {@code [nextline]} tokens. */
  public long pictureTokens(int width, int height) {
    requireMultiple("width", width);
    requireMultiple("height", height);
    long rows = height / pixelUnit();
    long cols = width / pixelUnit();
    return rows * (cols + 1);
  }

  /** Tokens of {@code count} pictures, each followed by one {@code [nextframe]}. */
  public long sequenceTokens(int width, int height, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("frame count must be >= 1, got " + count);
    }
    return count * (pictureTokens(width, height) + 1);
  }

  /** Latent frames (= tokens) of an audio clip of {@code durationS} seconds, at least one. */
  public long audioTokens(double durationS) {
    if (audioFramesPerSecond <= 0) {
      throw new IllegalArgumentException("this model has no audio layout");
    }
    if (!(durationS > 0) || Double.isInfinite(durationS)) {
      throw new IllegalArgumentException("duration must be finite and > 0, got " + durationS);
    }
    // Durations usually arrive as a float widened to double (0.05f -> 0.0500000007...): round away
    // that representation error before taking the ceiling, so 0.05 s at 8000 frames/s is 400
    // frames.
    double frames = durationS * audioFramesPerSecond;
    double nearest = Math.rint(frames);
    if (Math.abs(frames - nearest) <= 1e-6 * Math.max(1.0, frames)) {
      frames = nearest;
    }
    return Math.max(1, (long) Math.ceil(frames));
  }

  /**
   * Tokens of a job of the given modality; {@code frames} applies to VIDEO, {@code views} to
   * MULTIVIEW, {@code durationS} to AUDIO. UNSPECIFIED counts as IMAGE.
   */
  public long tokens(
      Modality modality, int width, int height, int frames, int views, double durationS) {
    switch (Modalities.orDefault(modality)) {
      case VIDEO:
        return sequenceTokens(width, height, frames);
      case MULTIVIEW:
        return sequenceTokens(width, height, views);
      case AUDIO:
        return audioTokens(durationS);
      case IMAGE:
        return pictureTokens(width, height);
      default:
        throw new IllegalArgumentException("unknown modality " + modality);
    }
  }

  private void requireMultiple(String field, int value) {
    if (value < pixelUnit() || value % pixelUnit() != 0) {
      throw new IllegalArgumentException(
          field + " must be a positive multiple of " + pixelUnit() + " pixels, got " + value);
    }
  }
}
