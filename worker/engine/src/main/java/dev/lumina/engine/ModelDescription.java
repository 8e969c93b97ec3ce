package dev.lumina.engine;

import dev.lumina.engine.model.FlagDitConfig;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a loaded model says about itself, for the catalog: the Flag-DiT's architecture, how many
 * pixels one latent cell covers, and, for a release, its training resolution and constructor name.
 * Immutable.
 *
 * @param config the Flag-DiT's architecture
 * @param downsample pixels per latent cell along each side (the VAE's spatial factor; 1 in pixel
 *     space)
 * @param trainSide the training resolution in pixels, when the release says so ({@code image_size})
 * @param architecture the release's model constructor, e.g. {@code DiT_Llama_5B_patch2}
 */
public record ModelDescription(
    FlagDitConfig config, int downsample, OptionalInt trainSide, Optional<String> architecture) {
  public ModelDescription {
    if (config == null || trainSide == null || architecture == null) {
      throw new IllegalArgumentException("config, trainSide and architecture must be set");
    }
    if (downsample < 1) {
      throw new IllegalArgumentException("downsample must be >= 1, got " + downsample);
    }
  }

  /** A pixel-space (or audio) model with no release metadata. */
  public static ModelDescription of(FlagDitConfig config) {
    return new ModelDescription(config, 1, OptionalInt.empty(), Optional.empty());
  }
}
